using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Upstream;

/// <summary>The HTTP upstream exactly as the silo registers it (<see cref="HttpLinkedInUpstreamServices.AddHttpLinkedInUpstream"/>), pointed at a test server.</summary>
public sealed class UpstreamHost : IDisposable
{
    private readonly ServiceProvider _services;

    public UpstreamHost(Uri baseUrl, Action<IServiceCollection>? configure = null, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?> { ["Upstream:BaseUrl"] = baseUrl.ToString() };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHttpLinkedInUpstream(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        configure?.Invoke(services);
        _services = services.BuildServiceProvider();
        Upstream = _services.GetRequiredService<ILinkedInUpstream>();
    }

    public ILinkedInUpstream Upstream { get; }

    /// <summary>Sends with a deadline, as the account grain does (a generous one unless a test wants a short one).</summary>
    public async Task<UpstreamAnswer> SendAsync(string accountId, ActionType action, string prospectId = "p1", string? key = null, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await Upstream.SendAsync(new UpstreamRequest(accountId, action, prospectId, $"https://www.linkedin.com/in/{prospectId}", key ?? Guid.NewGuid().ToString("N")), deadline.Token);
    }

    public void Dispose() => _services.Dispose();
}

/// <summary>Counts the response body bytes the upstream actually reads (the connection's own draining is not counted).</summary>
public sealed class BodyReadCounter : DelegatingHandler
{
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var original = response.Content;
        var counted = new StreamContent(new CountingStream(await original.ReadAsStreamAsync(cancellationToken), this));
        foreach (var header in original.Headers)
        {
            counted.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        response.Content = counted;
        return response;
    }

    private sealed class CountingStream(Stream inner, BodyReadCounter counter) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            Interlocked.Add(ref counter._bytes, read);
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
