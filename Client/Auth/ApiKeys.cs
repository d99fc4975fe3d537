using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OrleansBreaker.Client.Auth;

/// <summary>The admin key (configuration <c>Auth:AdminKey</c>; generated, and not shown, at start when unset).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string? AdminKey { get; set; }
}

/// <summary>Who a request is: the admin, or one workspace.</summary>
public sealed record Caller(bool IsAdmin, string? WorkspaceId)
{
    public static readonly Caller Admin = new(true, null);

    public static Caller Workspace(string id) => new(false, id);

    /// <summary>The admin may touch everything; a workspace key only its own workspace (API.md §2).</summary>
    public bool CanAccess(string workspaceId) => IsAdmin || string.Equals(WorkspaceId, workspaceId, StringComparison.Ordinal);
}

/// <summary>
/// API keys. A workspace key is <c>{workspaceId}.{43 base64url characters}</c>: 32 random bytes, so a
/// plain SHA-256 is enough to store it (no dictionary to guess from), and the prefix says which
/// workspace grain holds its hash. Keys are shown once, at creation; only hashes are kept.
/// </summary>
public sealed class ApiKeys
{
    /// <summary>A verified key is trusted this long without asking its workspace grain again. Keys are never revoked, so this only saves round trips.</summary>
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private const int MaxCached = 10_000;

    private readonly byte[] _adminHash;
    private readonly IClusterClient _cluster;
    private readonly ConcurrentDictionary<string, (string Workspace, DateTimeOffset Until)> _verified = new(StringComparer.Ordinal);

    public ApiKeys(IOptions<AuthOptions> options, IClusterClient cluster)
    {
        var admin = options.Value.AdminKey;
        if (string.IsNullOrWhiteSpace(admin))
        {
            throw new InvalidOperationException("Auth:AdminKey is empty; DashboardApp sets one at start when the configuration has none.");
        }
        _adminHash = Hash(admin);
        _cluster = cluster;
    }

    /// <summary>
    /// The shortest admin key accepted: run.sh makes 24 base64url characters from 18 random bytes
    /// (144 bits), which is plenty for a key checked by hash on every request.
    /// </summary>
    public const int MinAdminKeyLength = 24;

    /// <summary>Words of the templates' placeholders (deploy/k8s/secret.example.yaml): such a key was copied, not chosen.</summary>
    private static readonly string[] PlaceholderWords = ["change-me", "changeme", "change_me", "example", "placeholder", "replace-me", "replaceme"];

    /// <summary>
    /// Why <paramref name="key"/> cannot be the admin key, or null when it can. The message never
    /// repeats the key: it goes to the console and the logs.
    /// </summary>
    public static string? AdminKeyProblem(string key)
    {
        const string Make = "Use at least 24 random characters, e.g. $(head -c 18 /dev/urandom | base64 | tr '+/' '-_') as ./run.sh does.";
        if (key.Length != key.Trim().Length)
        {
            return $"Auth:AdminKey begins or ends with whitespace, which a bearer header cannot carry. {Make}";
        }
        if (key.Length < MinAdminKeyLength)
        {
            return $"Auth:AdminKey is {key.Length} characters long; the admin key must have at least {MinAdminKeyLength}. {Make}";
        }
        if (System.Array.Find(PlaceholderWords, w => key.Contains(w, StringComparison.OrdinalIgnoreCase)) is { } word)
        {
            return $"Auth:AdminKey is a placeholder (it contains '{word}'), as in the example files: set a random key. {Make}";
        }
        if (key.Distinct().Count() < 10)
        {
            return $"Auth:AdminKey has fewer than 10 distinct characters: it is not random. {Make}";
        }
        return null;
    }

    /// <summary>A new random admin key, for a start without <c>Auth:AdminKey</c>.</summary>
    public static string NewAdminKey() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new key for <paramref name="workspaceId"/> and the hash to store.</summary>
    public static (string Key, byte[] Hash) NewWorkspaceKey(string workspaceId)
    {
        var key = workspaceId + "." + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (key, Hash(key));
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The caller a key stands for, or null for an unknown key. Asks the workspace grain unless recently verified.</summary>
    public async Task<Caller?> ResolveAsync(string key)
    {
        if (key.Length is 0 or > 512)
        {
            return null;
        }
        var hash = Hash(key);
        if (CryptographicOperations.FixedTimeEquals(hash, _adminHash))
        {
            return Caller.Admin;
        }
        var dot = key.IndexOf('.');
        if (dot <= 0 || !Ids.IsValid(key[..dot]))
        {
            return null;
        }
        var workspace = key[..dot];
        var cacheKey = Convert.ToHexString(hash);
        var now = DateTimeOffset.UtcNow;
        if (_verified.TryGetValue(cacheKey, out var hit) && hit.Until > now)
        {
            return Caller.Workspace(hit.Workspace);
        }
        if (!await _cluster.GetGrain<IWorkspaceGrain>(workspace).VerifyApiKeyAsync(hash))
        {
            return null;
        }
        if (_verified.Count >= MaxCached)
        {
            _verified.Clear();
        }
        _verified[cacheKey] = (workspace, now + CacheFor);
        return Caller.Workspace(workspace);
    }
}
