using OrleansBreaker.Testing;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// The PostgreSQL a run measures on: either one it starts (the tests' throwaway <see cref="PostgresServer"/>,
/// with a fresh copy of the <c>deploy/sql</c> schema) or an existing database given by connection string.
/// </summary>
/// <remarks>
/// A started server preloads <c>pg_stat_statements</c>, so the harness can count the statements each
/// phase costs. It keeps PostgreSQL's durable defaults (fsync, synchronous_commit) unless told to
/// run as the tests do: a persisted dispatch is measured as production would pay for it.
/// </remarks>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private readonly PostgresServer? _server;

    private BenchPostgres(string connectionString, PostgresServer? server, string settings)
    {
        ConnectionString = connectionString;
        _server = server;
        Settings = settings;
    }

    public string ConnectionString { get; }

    /// <summary>The server's postmaster, when the harness started it (for its CPU use).</summary>
    public int? PostmasterPid => _server?.PostmasterPid;

    /// <summary>
    /// A data source for the harness's own readings, with the silo's connection settings. They wait longer
    /// than Npgsql's 15 s default: 10,000 campaigns set up can keep the server's connections and the machine
    /// busy past it (a full run once lost figures 8 and 10 to such a timeout).
    /// </summary>
    public Npgsql.NpgsqlDataSource HarnessDataSource() =>
        new Npgsql.NpgsqlDataSourceBuilder(OrleansBreaker.Hosting.PostgresConnection.WithBreakerDefaults(
            new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = 120, CommandTimeout = 300 }.ConnectionString)).Build();

    /// <summary>How the server runs, in words for the summary.</summary>
    public string Settings { get; }

    public static BenchPostgres External(string connectionString) => new(connectionString, null, "an existing database (--pg)");

    /// <summary>The run's database: the one given by <c>--pg</c>, or a throwaway server started now.</summary>
    public static async Task<BenchPostgres> ForAsync(HarnessOptions o, Reporter reporter) =>
        o.PostgresConnectionString is { } given ? External(given) : await StartAsync(o.PostgresFast, reporter);

    /// <summary>The run's database, or null after marking <paramref name="figures"/> not available (no PostgreSQL binaries here).</summary>
    public static async Task<BenchPostgres?> ForFiguresAsync(HarnessOptions o, Reporter reporter, HarnessSummary summary, params string[] figures)
    {
        try
        {
            return await ForAsync(o, reporter);
        }
        catch (PostgresUnavailableException ex)
        {
            foreach (var id in figures)
            {
                summary.NotAvailable(id, $"not available: {ex.Message}");
            }
            return null;
        }
    }

    /// <summary>
    /// Closes the idle pooled connections of every pool (the silo's data source, the harness's, any opened from
    /// a connection string), so that every backend reports its counters to <c>pg_stat_database</c> (see <see cref="DbStats.TakeAsync"/>).
    /// </summary>
    public static Action Flusher(Orleans.TestingHost.TestCluster cluster, Npgsql.NpgsqlDataSource harness)
    {
        var silo = BenchCluster.SiloService<Npgsql.NpgsqlDataSource>(cluster.Silos[0]);
        return () =>
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            silo.Clear();
            harness.Clear();
        };
    }

    public static async Task<BenchPostgres> StartAsync(bool fast, Reporter reporter)
    {
        // Npgsql's pool defaults (100 per pool, idle connections kept 5 minutes), as the product runs
        // with a plain connection string.
        var options = new PostgresServerOptions
        {
            Durable = !fast, TrackStatements = true, MaxConnections = 300, SharedBuffers = "256MB", IdleConnectionLifetime = null,
            // With the default 1GB, a checkpoint came every ~500 MB of WAL, i.e. in one window of two, by chance; the
            // windows that measure against each other start after a checkpoint of their own instead (DbStats.CheckpointAsync).
            MaxWalSize = "8GB",
        };
        reporter.Line("postgres: starting a throwaway server (initdb in a temporary folder)");
        var server = await PostgresServer.StartNewAsync(options);
        try
        {
            server.ShutDownAtProcessExit();
            var connectionString = await server.CreateDatabaseAsync("bench");
            var settings = fast ? "fsync=off, synchronous_commit=off, full_page_writes=off (the tests' settings)" : "durable defaults (fsync=on, synchronous_commit=on)";
            reporter.Line($"postgres: running on 127.0.0.1:{server.Port}, deploy/sql applied");
            return new BenchPostgres(connectionString, server,
                $"PostgreSQL started by the harness on 127.0.0.1:{server.Port}, {settings}, max_connections {options.MaxConnections}, shared_buffers {options.SharedBuffers}, max_wal_size {options.MaxWalSize}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>The folder holding OrleansBreaker.sln (for deploy/sql and artifacts).</summary>
    public static string RepoRoot() => PostgresServer.RepoRoot;
}

/// <summary>
/// What a section on PostgreSQL reads with: the run's database, the harness's own data source on it, the
/// database counters (<see cref="DbStats"/>) and a CPU meter that knows PostgreSQL's processes.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private BenchDatabase(BenchPostgres pg, Npgsql.NpgsqlDataSource dataSource, DbStats stats)
    {
        Pg = pg;
        DataSource = dataSource;
        Stats = stats;
        Cpu = new CpuMeter(pg.PostmasterPid);
    }

    public BenchPostgres Pg { get; }

    public Npgsql.NpgsqlDataSource DataSource { get; }

    public DbStats Stats { get; }

    public CpuMeter Cpu { get; }

    /// <summary>Opens the run's database, or returns null after marking <paramref name="figures"/> not available.</summary>
    public static async Task<BenchDatabase?> OpenAsync(HarnessOptions o, Reporter reporter, HarnessSummary summary, params string[] figures)
    {
        if (await BenchPostgres.ForFiguresAsync(o, reporter, summary, figures) is not { } pg)
        {
            return null;
        }
        var dataSource = pg.HarnessDataSource();
        // Backends report to pg_stat_database at exit (after the pool flush) and at most once a second.
        var stats = new DbStats(dataSource, o.Quick ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMilliseconds(1500));
        try
        {
            await stats.InitAsync();
        }
        catch
        {
            await dataSource.DisposeAsync();
            await pg.DisposeAsync();
            throw;
        }
        return new BenchDatabase(pg, dataSource, stats);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Pg.DisposeAsync();
    }
}
