using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;
using OrleansBreaker.EventLog;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>Calls into the event log and the time spent in them, per operation; optionally bypasses the log.</summary>
internal sealed class EventLogMeter
{
    public enum Op { Append, ReadCampaign, FindSuccess, ReadDelivered, FindByKey }

    private readonly long[] _calls = new long[5];
    private readonly long[] _ticks = new long[5];
    private long _appended;

    /// <summary>
    /// Diagnostic only: answer every call as an empty log would, without touching it, to measure what
    /// the log costs a dispatch. Never set while a figure against a target is measured.
    /// </summary>
    public volatile bool Bypass;

    public long Appended => Interlocked.Read(ref _appended);

    public void Record(Op op, long elapsedTicks, int appended = 0)
    {
        Interlocked.Increment(ref _calls[(int)op]);
        Interlocked.Add(ref _ticks[(int)op], elapsedTicks);
        if (appended > 0)
        {
            Interlocked.Add(ref _appended, appended);
        }
    }

    public Snapshot Take() => new([.. _calls.Select((_, i) => Interlocked.Read(ref _calls[i]))], [.. _ticks.Select((_, i) => Interlocked.Read(ref _ticks[i]))], Appended);

    public sealed record Snapshot(long[] Calls, long[] Ticks, long Appended)
    {
        public Snapshot Minus(Snapshot before) =>
            new([.. Calls.Select((c, i) => c - before.Calls[i])], [.. Ticks.Select((t, i) => t - before.Ticks[i])], Appended - before.Appended);

        public long CallsOf(Op op) => Calls[(int)op];

        public double MicrosOf(Op op) => Ticks[(int)op] * 1_000_000.0 / Stopwatch.Frequency;

        /// <summary>"FindByKey 1.00/op 850 µs/op; Append 1.00/op 3 µs/op" for the operations that were called.</summary>
        public string PerOperation(long operations) => operations <= 0 ? "-" : string.Join("; ",
            Enum.GetValues<Op>().Where(op => CallsOf(op) > 0).Select(op =>
                $"{op} {CallsOf(op) / (double)operations:0.00}/op, {MicrosOf(op) / operations:#,0.0} µs/op"));
    }
}

/// <summary>The product's registered event log, timed per call (a stopwatch read on each side; ~50 ns).</summary>
internal sealed class MeteredEventLog(IEventLog inner, EventLogMeter meter) : IEventLog
{
    public async Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default)
    {
        if (meter.Bypass)
        {
            return events;
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.AppendAsync(events, cancellationToken);
        }
        finally
        {
            meter.Record(EventLogMeter.Op.Append, Stopwatch.GetTimestamp() - start, events.Count);
        }
    }

    public async Task<EventPage> ReadCampaignAsync(string workspaceId, string campaignId, ActivityQuery query, CancellationToken cancellationToken = default)
    {
        if (meter.Bypass)
        {
            return new EventPage([], null);
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.ReadCampaignAsync(workspaceId, campaignId, query, cancellationToken);
        }
        finally
        {
            meter.Record(EventLogMeter.Op.ReadCampaign, Stopwatch.GetTimestamp() - start);
        }
    }

    public async Task<EventRecord?> FindSuccessSinceAsync(string workspaceId, string accountId, ActionType action, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        if (meter.Bypass)
        {
            return null;
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.FindSuccessSinceAsync(workspaceId, accountId, action, since, cancellationToken);
        }
        finally
        {
            meter.Record(EventLogMeter.Op.FindSuccess, Stopwatch.GetTimestamp() - start);
        }
    }

    public async Task<IReadOnlyList<DeliveredAction>> ReadDeliveredSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        if (meter.Bypass)
        {
            return [];
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.ReadDeliveredSinceAsync(workspaceId, accountId, since, cancellationToken);
        }
        finally
        {
            meter.Record(EventLogMeter.Op.ReadDelivered, Stopwatch.GetTimestamp() - start);
        }
    }

    public async Task<EventRecord?> FindByKeyAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default)
    {
        if (meter.Bypass)
        {
            return null;
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.FindByKeyAsync(workspaceId, accountId, key, cancellationToken);
        }
        finally
        {
            meter.Record(EventLogMeter.Op.FindByKey, Stopwatch.GetTimestamp() - start);
        }
    }

    // Rare (an accept or reply posted without its campaign): passed through untimed.
    public Task<EventRecord?> FindLatestSentToProspectAsync(string workspaceId, string accountId, string prospectId, CancellationToken cancellationToken = default) =>
        meter.Bypass ? Task.FromResult<EventRecord?>(null) : inner.FindLatestSentToProspectAsync(workspaceId, accountId, prospectId, cancellationToken);
}

/// <summary>
/// Counts calls that reached "LinkedIn", and for a watched set of accounts (an account-id prefix)
/// the latest instant, on the product clock, a call started, and from which silos.
/// </summary>
internal sealed class UpstreamMeter(TimeProvider clock)
{
    private long _calls;
    private long _delivered;
    private long _lastWatchedTicks;
    private volatile string? _watchPrefix;
    private readonly ConcurrentDictionary<string, long> _watchedSilos = new(StringComparer.Ordinal);

    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Calls LinkedIn answered 200 (a delivered action): what the campaign figures count.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    public void RecordAnswer(UpstreamAnswer answer)
    {
        if (answer.StatusCode == 200)
        {
            Interlocked.Increment(ref _delivered);
        }
    }

    public DateTimeOffset? LastWatchedCall => Interlocked.Read(ref _lastWatchedTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public IReadOnlyDictionary<string, long> WatchedSilos => _watchedSilos;

    public void Watch(string accountPrefix)
    {
        _watchPrefix = null;
        _watchedSilos.Clear();
        Interlocked.Exchange(ref _lastWatchedTicks, 0);
        _watchPrefix = accountPrefix;
    }

    public void Record(string accountId, string silo)
    {
        Interlocked.Increment(ref _calls);
        if (_watchPrefix is { } prefix && accountId.StartsWith(prefix, StringComparison.Ordinal))
        {
            var now = clock.GetUtcNow().UtcTicks;
            long seen;
            while (now > (seen = Interlocked.Read(ref _lastWatchedTicks)) && Interlocked.CompareExchange(ref _lastWatchedTicks, now, seen) != seen)
            {
            }
            _watchedSilos.AddOrUpdate(silo, 1, (_, n) => n + 1);
        }
    }
}

/// <summary>The world's simulated LinkedIn, with each call noted by the <see cref="UpstreamMeter"/> (which silo sent it).</summary>
internal sealed class MeteredUpstream(SimulatedLinkedIn inner, UpstreamMeter meter, string silo) : ILinkedInUpstream
{
    public async Task<UpstreamAnswer> SendAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        meter.Record(request.AccountId, silo);
        var answer = await inner.SendAsync(request, cancellationToken);
        meter.RecordAnswer(answer);
        return answer;
    }

    public Task<ProviderFeedPage> ReadFeedAsync(long since, int limit, CancellationToken cancellationToken) =>
        inner.ReadFeedAsync(since, limit, cancellationToken);
}

/// <summary>
/// A logging sink for the silos: the product's levels (Warning by default, Information for
/// OrleansBreaker) are filtered upstream of it; it counts warnings and errors and keeps the first
/// few of each since the last <see cref="Mark"/>.
/// </summary>
internal sealed class LogCounter : ILoggerProvider
{
    private const int SamplesKept = 5;
    private long _warnings;
    private long _errors;
    private long _productWarnings;
    private ConcurrentQueue<string> _errorSamples = new();
    private ConcurrentQueue<string> _warningSamples = new();

    public (long Warnings, long Errors) Take() => (Interlocked.Read(ref _warnings), Interlocked.Read(ref _errors));

    /// <summary>Warnings of the product's own categories (a failed reminder, an outcome not persisted...).</summary>
    public long ProductWarnings => Interlocked.Read(ref _productWarnings);

    /// <summary>The first errors, then the first warnings, logged since the last <see cref="Mark"/>.</summary>
    public IReadOnlyList<string> Samples => [.. _errorSamples, .. _warningSamples];

    /// <summary>Starts a new sample window.</summary>
    public void Mark()
    {
        _errorSamples = new();
        _warningSamples = new();
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message)
    {
        ConcurrentQueue<string> samples;
        if (level >= LogLevel.Error)
        {
            Interlocked.Increment(ref _errors);
            samples = _errorSamples;
        }
        else
        {
            Interlocked.Increment(ref _warnings);
            if (category.StartsWith("OrleansBreaker", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _productWarnings);
            }
            samples = _warningSamples;
        }
        if (samples.Count < SamplesKept)
        {
            samples.Enqueue($"{level} {category}: {(message.Length > 400 ? message[..400] + "…" : message)}".ReplaceLineEndings(" "));
        }
    }

    private sealed class Logger(LogCounter owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                owner.Write(logLevel, category, formatter(state, exception) + (exception is null ? "" : $" [{exception.GetType().Name}: {exception.Message}]"));
            }
        }
    }
}

/// <summary>Grain-storage calls of the product's store and the time spent in them; a sample of written state sizes.</summary>
internal sealed class StorageMeter
{
    public enum Op { Read, Write, Clear }

    private const int SampleEvery = 64;
    private readonly long[] _calls = new long[3];
    private long _bypassedVersion;

    /// <summary>
    /// Diagnostic only: writes still serialise the state with the Orleans serializer, as the memory
    /// store does, but never reach the store; a fresh ETag keeps the grain's version checks passing.
    /// </summary>
    public volatile bool Bypass;

    public string NextBypassedETag() => Interlocked.Increment(ref _bypassedVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly long[] _ticks = new long[3];
    private long _sampledBytes;
    private long _samples;

    public bool ShouldSample() => Interlocked.Read(ref _calls[(int)Op.Write]) % SampleEvery == 0;

    public void Record(Op op, long elapsedTicks)
    {
        Interlocked.Increment(ref _calls[(int)op]);
        Interlocked.Add(ref _ticks[(int)op], elapsedTicks);
    }

    public void RecordSize(int bytes)
    {
        Interlocked.Add(ref _sampledBytes, bytes);
        Interlocked.Increment(ref _samples);
    }

    public Snapshot Take() => new([.. _calls.Select((_, i) => Interlocked.Read(ref _calls[i]))], [.. _ticks.Select((_, i) => Interlocked.Read(ref _ticks[i]))],
        Interlocked.Read(ref _sampledBytes), Interlocked.Read(ref _samples));

    public sealed record Snapshot(long[] Calls, long[] Ticks, long SampledBytes, long Samples)
    {
        public Snapshot Minus(Snapshot before) => new([.. Calls.Select((c, i) => c - before.Calls[i])], [.. Ticks.Select((t, i) => t - before.Ticks[i])],
            SampledBytes - before.SampledBytes, Samples - before.Samples);

        public string PerOperation(long operations) => operations <= 0 ? "-" : string.Join("; ",
            Enum.GetValues<Op>().Where(op => Calls[(int)op] > 0).Select(op =>
                $"{op} {Calls[(int)op] / (double)operations:0.00}/op, {Ticks[(int)op] * 1_000_000.0 / Stopwatch.Frequency / operations:#,0.0} µs/op"))
            + (Samples > 0 ? $"; state ~{SampledBytes / (double)Samples:#,0} B per write" : "");
    }
}

/// <summary>
/// The product's grain store (<c>StorageNames.GrainStore</c>), timed per call. It takes part in the
/// silo lifecycle exactly when the store does (the ADO.NET store initialises there).
/// </summary>
internal sealed class MeteredGrainStorage(IGrainStorage inner, StorageMeter meter, Orleans.Serialization.Serializer serializer)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await inner.ReadStateAsync(stateName, grainId, grainState);
        }
        finally
        {
            meter.Record(StorageMeter.Op.Read, Stopwatch.GetTimestamp() - start);
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (meter.ShouldSample() && grainState.State is { } state)
        {
            meter.RecordSize(serializer.SerializeToArray(state).Length);
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            if (meter.Bypass)
            {
                _ = serializer.SerializeToArray(grainState.State);
                grainState.ETag = meter.NextBypassedETag();
                grainState.RecordExists = true;
                return;
            }
            await inner.WriteStateAsync(stateName, grainId, grainState);
        }
        finally
        {
            meter.Record(StorageMeter.Op.Write, Stopwatch.GetTimestamp() - start);
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await inner.ClearStateAsync(stateName, grainId, grainState);
        }
        finally
        {
            meter.Record(StorageMeter.Op.Clear, Stopwatch.GetTimestamp() - start);
        }
    }

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
