using OrleansBreaker.Benchmarks.Cluster;

namespace OrleansBreaker.Tests.Benchmarks;

/// <summary>The harness's diagnostic switches parse, and a bad value is refused with a message that names it.</summary>
public sealed class HarnessOptionsTests
{
    [Fact]
    public void CampaignRuns_IsTheProductsDefaultUnlessGiven()
    {
        Assert.Null(HarnessOptions.Parse([]).CampaignRuns);
        Assert.Equal(96, HarnessOptions.Parse(["--campaign-runs", "96"]).CampaignRuns);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("100001")]
    public void CampaignRuns_OutOfDispatchRange_IsRefusedNamingTheSwitch(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => HarnessOptions.Parse(["--campaign-runs", value]));

        Assert.StartsWith("--campaign-runs: 1 to 100000", error.Message);
    }
}
