using Npgsql;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Tests.Unit;

public sealed class PostgresConnectionTests
{
    private const string Plain = "Host=db.internal;Port=5432;Database=breaker;Username=svc;Password=secret;Maximum Pool Size=30";

    [Fact]
    public void WithBreakerDefaults_PreparesRepeatedStatements_AndSkipsThePoolReset()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnection.WithBreakerDefaults(Plain));

        Assert.Equal((32, 2, true), (tuned.MaxAutoPrepare, tuned.AutoPrepareMinUsages, tuned.NoResetOnClose));
        Assert.Equal(("db.internal", "breaker", "svc", "secret", 30), (tuned.Host, tuned.Database, tuned.Username, tuned.Password, tuned.MaxPoolSize));
    }

    [Theory]
    [InlineData("No Reset On Close=false;Max Auto Prepare=0")]
    [InlineData("noresetonclose=False;MAXAUTOPREPARE=0")]
    public void WithBreakerDefaults_KeepsWhatTheOperatorWrote_InAnySpelling(string settings)
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnection.WithBreakerDefaults($"{Plain};{settings}"));

        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(0, tuned.MaxAutoPrepare);
        Assert.Equal(2, tuned.AutoPrepareMinUsages);
    }

    [Fact]
    public void WithBreakerDefaults_RefusesAnEmptyConnectionString()
    {
        Assert.Throws<ArgumentException>(() => PostgresConnection.WithBreakerDefaults(" "));
    }
}
