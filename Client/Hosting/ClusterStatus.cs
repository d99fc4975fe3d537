namespace OrleansBreaker.Client.Hosting;

/// <summary>
/// Whether the client is connected to the cluster (<c>/healthz</c>, and 503s instead of hanging
/// requests). Connected once the host (and so the Orleans client) has started; Orleans tells us when gateways come and go.
/// </summary>
public sealed partial class ClusterStatus(IHostApplicationLifetime lifetime, ILogger<ClusterStatus> logger) : IClusterConnectionStatusObserver
{
    private volatile bool _started;
    private volatile int _gateways = -1;

    public bool Connected => _started && _gateways != 0;

    internal void MarkStarted()
    {
        _started = true;
        LogConnected();
    }

    public void NotifyClusterConnectionLost()
    {
        _gateways = 0;
        if (!lifetime.ApplicationStopping.IsCancellationRequested)
        {
            LogLost();
        }
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        _gateways = currentNumberOfGateways;

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the cluster")]
    private partial void LogConnected();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection to the cluster; requests answer 503 until it is back")]
    private partial void LogLost();
}
