using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansBreaker.Client;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Hosting;

namespace OrleansBreaker.Tests.Postgres;

/// <summary>The budget rule (Npgsql's: every pool's maximum together below the server's slots) and how a process's one budget is chosen.</summary>
public sealed class PoolBudgetRuleTests
{
    private const string Base = "Host=127.0.0.1;Port=55432;Database=orleansbreaker;Username=postgres";

    [Fact]
    public void ThreeSilosAndTheDashboard_AtTheDefaultBudget_FitPostgresDefaultMaxConnections()
    {
        var usable = PoolBudget.Usable(maxConnections: 100, superuserReserved: 3);

        Assert.Equal(97, usable);
        Assert.Equal(PoolFit.Fits, PoolBudget.Check(PoolBudget.DefaultPerProcess, processes: 4, usable));
        // Npgsql's own default of 100 per pool, two pools per silo as before: 3 × 2 × 100 against 97.
        Assert.Equal(PoolFit.Overcommitted, PoolBudget.Check(100, processes: 6, usable));
    }

    [Theory]
    [InlineData(24, PoolFit.Fits)]        // 4 × 24 = 96 ≤ 97
    [InlineData(25, PoolFit.Overcommitted)] // 4 × 25 = 100 > 97
    public void Check_ComparesBudgetTimesProcesses_WithTheUsableSlots(int budget, PoolFit expected) =>
        Assert.Equal(expected, PoolBudget.Check(budget, processes: 4, PoolBudget.Usable(100, 3)));

    [Fact]
    public void PerProcess_SharesTheUsableSlots_LessHeadroom_Equally()
    {
        Assert.Equal(23, PoolBudget.PerProcess(usable: 97, processes: 4, headroom: 5));  // ./run.sh --silos 3
        Assert.Equal(46, PoolBudget.PerProcess(usable: 97, processes: 2, headroom: 5));  // ./run.sh --postgres
        Assert.Equal(0, PoolBudget.PerProcess(usable: 4, processes: 4, headroom: 5));
    }

    [Fact]
    public void Budget_IsTheOption_ElseTheConnectionStrings_ElseTheDefault()
    {
        Assert.Equal(7, PoolBudget.Resolve(7, Base));
        Assert.Equal(7, PoolBudget.Resolve(7, Base + ";Maximum Pool Size=7"));
        Assert.Equal(12, PoolBudget.Resolve(null, Base + ";MaxPoolSize=12"));
        Assert.Equal(12, PoolBudget.Resolve(null, Base + ";maximum pool size=12"));
        Assert.Equal(PoolBudget.DefaultPerProcess, PoolBudget.Resolve(null, Base));
    }

    [Fact]
    public void OptionAndConnectionString_NamingTwoBudgets_FailValidation_WithBothValues()
    {
        var options = new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = Base + ";Maximum Pool Size=50", MaxPoolSize = 30 };
        var problems = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), problems, validateAllProperties: true));
        var problem = Assert.Single(problems).ErrorMessage!;
        Assert.Contains("Storage:MaxPoolSize is 30", problem);
        Assert.Contains("Maximum Pool Size=50", problem);
    }

    [Fact]
    public void ZeroBudget_FailsValidation()
    {
        var options = new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = Base, MaxPoolSize = 0 };
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    [Fact]
    public void SiloPool_CarriesTheBudget_AndAnApplicationName_KeepingTheOperatorsName()
    {
        var pooled = new NpgsqlConnectionStringBuilder(PostgresConnection.ForProcess(Base, 9));
        Assert.Equal(9, pooled.MaxPoolSize);
        Assert.Equal($"{PostgresConnection.SiloApplicationName} {Environment.MachineName} {Environment.ProcessId}", pooled.ApplicationName);
        Assert.True(pooled.NoResetOnClose); // the breaker defaults still apply

        var named = new NpgsqlConnectionStringBuilder(PostgresConnection.ForProcess(Base + ";Application Name=eu-silo;Minimum Pool Size=15", 9));
        Assert.Equal("eu-silo", named.ApplicationName);
        Assert.Equal(9, named.MinPoolSize); // never above the maximum, which Npgsql would refuse
    }

    [Fact]
    public void DashboardPool_FollowsTheSameRule()
    {
        var byOption = new NpgsqlConnectionStringBuilder(PostgresClientHosting.ForProcess(Base, 4));
        Assert.Equal(4, byOption.MaxPoolSize);
        Assert.Equal($"{PostgresClientHosting.ApplicationName} {Environment.MachineName} {Environment.ProcessId}", byOption.ApplicationName);
        Assert.Equal(11, new NpgsqlConnectionStringBuilder(PostgresClientHosting.ForProcess(Base + ";MaxPoolSize=11", null)).MaxPoolSize);
        Assert.Equal(PoolBudget.DefaultPerProcess, new NpgsqlConnectionStringBuilder(PostgresClientHosting.ForProcess(Base, null)).MaxPoolSize);
        Assert.Throws<InvalidOperationException>(() => PostgresClientHosting.ForProcess(Base + ";MaxPoolSize=11", 4));
    }
}

/// <summary>The silo's start-up look at the server it shares: a warning when the budgets together would not fit.</summary>
public sealed class PoolBudgetStartupCheckTests
{
    [Fact]
    public async Task BudgetsTogetherAboveMaxConnections_LogAWarning_WithTheFittingBudget()
    {
        var server = await PostgresServer.SharedAsync(); // max_connections 500, 3 reserved: 497 usable
        await using var dataSource = NpgsqlDataSource.Create(PostgresConnection.ForProcess(await server.CreateDatabaseAsync("startupwarn"), 200));
        var log = new CapturedLog();

        var fit = await PostgresStartupCheck.CheckPoolBudgetAsync(dataSource, processes: 3, log, CancellationToken.None);

        Assert.Equal(PoolFit.Overcommitted, fit);
        var (level, message) = Assert.Single(log.Lines);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains("200 connections", message);
        Assert.Contains("600 in all", message);
        Assert.Contains("admits 497", message);
        Assert.Contains("at most 165 per process", message);
    }

    [Fact]
    public async Task BudgetsThatFit_LogNoWarning()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(PostgresConnection.ForProcess(await server.CreateDatabaseAsync("startupfit"), 20));
        var log = new CapturedLog();

        Assert.Equal(PoolFit.Fits, await PostgresStartupCheck.CheckPoolBudgetAsync(dataSource, processes: 4, log, CancellationToken.None));
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Warning);
    }

    private sealed class CapturedLog : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue((logLevel, formatter(state, exception)));
    }
}

/// <summary>The process's one data source, whichever of UseBreakerPostgres and AddBreakerServices registers it first.</summary>
public sealed class ProcessDataSourceTests
{
    private const string Base = "Host=127.0.0.1;Port=55432;Database=orleansbreaker;Username=postgres";

    [Fact]
    public async Task TwoRegistrations_WithTheSameSettings_ShareOneDataSource_OfTheBudget()
    {
        var services = new ServiceCollection();
        var storage = new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = Base, MaxPoolSize = 7 };
        services.AddBreakerDataSource(storage);
        services.AddBreakerDataSource(storage);

        await using var provider = services.BuildServiceProvider();
        var all = provider.GetServices<NpgsqlDataSource>().ToList();

        var dataSource = Assert.Single(all);
        Assert.Equal(7, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize);
    }

    [Fact]
    public void TwoRegistrations_WithDifferentBudgets_StopTheStart_InsteadOfIgnoringOne()
    {
        var services = new ServiceCollection();
        services.AddBreakerDataSource(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = Base });

        var ex = Assert.Throws<InvalidOperationException>(() =>
            services.AddBreakerDataSource(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = Base, MaxPoolSize = 7 }));
        Assert.Contains("Maximum Pool Size 20 and 7", ex.Message);
    }
}
