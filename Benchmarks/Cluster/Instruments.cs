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
    public enum Op { Append, ReadCampaign, FindSuccess, ReadDelivered, FindByKey, Claim, Release }

    private readonly long[] _calls = new long[Enum.GetValues<Op>().Length];
    private readonly long[] _ticks = new long[Enum.GetValues<Op>().Length];
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

    public Task<IReadOnlyList<BreakerMark>> ReadBreakerMarksSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        inner.ReadBreakerMarksSinceAsync(workspaceId, accountId, since, cancellationToken);

    public Task<IReadOnlyList<DaySentCount>> CountCampaignSentAsync(string workspaceId, string campaignId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        inner.CountCampaignSentAsync(workspaceId, campaignId, since, cancellationToken);

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

    /// <summary>Bypassed, every key is free: the dispatch goes on as on an empty log.</summary>
    public async Task<EventRecord?> ClaimAsync(EventRecord claim, CancellationToken cancellationToken = default)
    {
        if (meter.Bypass)
        {
            return null;
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.ClaimAsync(claim, cancellationToken);
        }
        finally
        {
            meter.Record(EventLogMeter.Op.Claim, Stopwatch.GetTimestamp() - start);
        }
    }

    public async Task ReleaseAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default)
    {
        if (meter.Bypass)
        {
            return;
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            await inner.ReleaseAsync(workspaceId, accountId, key, cancellationToken);
        }
        finally
        {
            meter.Record(EventLogMeter.Op.Release, Stopwatch.GetTimestamp() - start);
        }
    }

    // At activation only: passed through untimed.
    public Task<IReadOnlyList<EventRecord>> ReadClaimsAsync(string workspaceId, string accountId, CancellationToken cancellationToken = default) =>
        meter.Bypass ? Task.FromResult<IReadOnlyList<EventRecord>>([]) : inner.ReadClaimsAsync(workspaceId, accountId, cancellationToken);

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

    /// <summary>Figure 12 only: every delivery, by prospect (null: not kept).</summary>
    public PoolLedger? Ledger { get; set; }

    public void RecordAnswer(UpstreamRequest request, UpstreamAnswer answer)
    {
        if (answer.StatusCode == 200)
        {
            Interlocked.Increment(ref _delivered);
            Ledger?.Delivered(request);
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
        meter.RecordAnswer(request, answer);
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

/// <summary>
/// The pool figures' ledger. Per account grain (its key), the InMail dispatches that reached it and those that
/// started after its InMail breaker tripped (the first dispatch answered Skipped/InMailCreditsExhausted:
/// the one LinkedIn refused); per prospect and action, the deliveries LinkedIn answered 200 to, so a
/// prospect sent twice (by one seat or two) is counted; and where a campaign's time goes: its runs
/// (<c>TickAsync(run: true)</c>) and the account dispatches, counted and timed. Fed by a grain call filter
/// on the silos and by the metered upstream; only a world that has one (set before its cluster starts) pays for it.
/// </summary>
internal sealed class PoolLedger
{
    private sealed class Seat
    {
        public long TrippedAt;
        public long Dispatches;
        public long AfterTrip;
    }

    private readonly ConcurrentDictionary<string, Seat> _seats = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _delivered = new(StringComparer.Ordinal);
    private long _duplicates;
    private long _runs;
    private long _runTicks;
    private long _dispatches;
    private long _dispatchTicks;

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Campaign runs and account dispatches so far, with the time spent in them (stopwatch ticks).</summary>
    public Work Take() => new(Interlocked.Read(ref _runs), Interlocked.Read(ref _runTicks), Interlocked.Read(ref _dispatches), Interlocked.Read(ref _dispatchTicks));

    /// <summary>An InMail dispatch on the account grain <paramref name="accountKey"/> that began at <paramref name="startedAt"/> (stopwatch ticks).</summary>
    public void InMail(string accountKey, long startedAt, DispatchResult? result)
    {
        var seat = _seats.GetOrAdd(accountKey, _ => new Seat());
        lock (seat)
        {
            seat.Dispatches++;
            if (seat.TrippedAt > 0 && startedAt > seat.TrippedAt)
            {
                seat.AfterTrip++;
            }
            else if (seat.TrippedAt == 0 && result is { Status: DispatchStatus.Skipped, Reason: Reason.InMailCreditsExhausted })
            {
                seat.TrippedAt = Stopwatch.GetTimestamp();
            }
        }
    }

    public void Delivered(UpstreamRequest request)
    {
        if (_delivered.AddOrUpdate($"{request.ProspectId}/{request.Action}", 1, (_, n) => n + 1) > 1)
        {
            Interlocked.Increment(ref _duplicates);
        }
    }

    public (long Dispatches, long AfterTrip) Of(string accountKey)
    {
        if (!_seats.TryGetValue(accountKey, out var seat))
        {
            return (0, 0);
        }
        lock (seat)
        {
            return (seat.Dispatches, seat.AfterTrip);
        }
    }

    /// <summary>The silos' filter: times campaign runs and account dispatches, and hands every InMail dispatch to the ledger.</summary>
    public async Task FilterAsync(IIncomingGrainCallContext context)
    {
        var dispatch = context.Request.GetInterfaceType() == typeof(IAccountGrain) && context.MethodName == nameof(IAccountGrain.DispatchAsync);
        var run = context.Request.GetInterfaceType() == typeof(ICampaignGrain) && context.MethodName == nameof(ICampaignGrain.TickAsync) && context.Request.GetArgument(0) is true;
        if (!dispatch && !run)
        {
            await context.Invoke();
            return;
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            var elapsed = Stopwatch.GetTimestamp() - started;
            if (run)
            {
                Interlocked.Increment(ref _runs);
                Interlocked.Add(ref _runTicks, elapsed);
            }
            else
            {
                Interlocked.Increment(ref _dispatches);
                Interlocked.Add(ref _dispatchTicks, elapsed);
                if (context.Request.GetArgument(0) is DispatchCommand { Action: ActionType.InMail })
                {
                    InMail(context.TargetId.Key.ToString()!, started, context.Result as DispatchResult);
                }
            }
        }
    }

    public sealed record Work(long Runs, long RunTicks, long Dispatches, long DispatchTicks)
    {
        public Work Minus(Work before) => new(Runs - before.Runs, RunTicks - before.RunTicks, Dispatches - before.Dispatches, DispatchTicks - before.DispatchTicks);

        public double RunMs => Runs > 0 ? RunTicks * 1000.0 / Stopwatch.Frequency / Runs : 0;

        public double DispatchMs => Dispatches > 0 ? DispatchTicks * 1000.0 / Stopwatch.Frequency / Dispatches : 0;

        /// <summary>Markdown: runs per second, their length, dispatches per run and their length, the share of a run spent in them.</summary>
        public string Describe(TimeSpan window) =>
            $"{Runs / window.TotalSeconds:#,0.0} campaign runs/s, {RunMs:0.0} ms each; {(Runs > 0 ? Dispatches / (double)Runs : 0):0.00} account dispatches per run, " +
            $"{DispatchMs:0.00} ms each ({(RunTicks > 0 ? DispatchTicks / (double)RunTicks : 0):P0} of the runs' time)";
    }
}
