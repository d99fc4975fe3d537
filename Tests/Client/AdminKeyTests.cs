using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OrleansBreaker.Client;
using OrleansBreaker.Tests.Postgres;

namespace OrleansBreaker.Tests.Client;

/// <summary>The admin key is a secret: never logged, and never a placeholder or a short guessable string.</summary>
public sealed class AdminKeyTests
{
    private static string[] Args(params string[] more) =>
        ["--urls", "http://127.0.0.1:0", "--Orleans:Gateways:0=127.0.0.1:1", "--Storage:Provider=Memory", .. more];

    [Fact]
    public async Task AGeneratedAdminKey_IsNeverLogged_OnlyThatOneWasGenerated()
    {
        var log = new CapturedLog();

        await using var app = DashboardApp.Build(Args(), logging: l => l.AddProvider(log));

        var key = app.Configuration["Auth:AdminKey"]!;
        Assert.True(key.Length >= 24);
        var lines = log.Lines;
        Assert.Contains(lines, l => l.Contains("Auth:AdminKey is not set", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(key, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("short-key", "at least 24")]
    [InlineData("abcdefghijklmnopqrstuvw", "at least 24")]
    [InlineData("CHANGE-ME-long-random-admin-key", "placeholder")]
    [InlineData("my-example-admin-key-0123456789", "placeholder")]
    [InlineData("placeholder-placeholder-placeholder", "placeholder")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "distinct")]
    [InlineData(" padded-admin-key-0123456789-abc ", "whitespace")]
    public void AWeakAdminKey_IsRefusedAtStart_WithoutEchoingIt(string key, string words)
    {
        var error = Assert.Throws<InvalidOperationException>(() => DashboardApp.Build(Args($"--Auth:AdminKey={key}")));

        Assert.Contains("Auth:AdminKey", error.Message, StringComparison.Ordinal);
        Assert.Contains(words, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(key.Trim(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheKubernetesSecretExample_IsRefused_SoNobodyDeploysIt()
    {
        var example = File.ReadAllText(Path.Combine(PostgresServer.RepoRoot, "deploy", "k8s", "secret.example.yaml"));
        var key = Regex.Match(example, "Auth__AdminKey:\\s*\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(key);

        var error = Assert.Throws<InvalidOperationException>(() => DashboardApp.Build(Args($"--Auth:AdminKey={key}")));

        Assert.Contains("placeholder", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AKeyAsRunShMakesIt_18RandomBytesInBase64Url_IsAccepted()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        Assert.Equal(24, key.Length);

        await using var app = DashboardApp.Build(Args($"--Auth:AdminKey={key}"));

        Assert.Equal(key, app.Configuration["Auth:AdminKey"]);
    }

    private sealed class CapturedLog : ILoggerProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
