namespace OrleansBreaker.Hosting;

/// <summary>Well-known provider names, shared by the silo's hosting code and the grains.</summary>
public static class StorageNames
{
    /// <summary>The grain storage provider every OrleansBreaker grain persists through.</summary>
    public const string GrainStore = "breaker";
}
