namespace OrleansBreaker.Tests.Client;

/// <summary>API.md §3: an account id names a LinkedIn seat at the provider, and a seat belongs to one workspace.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SeatOwnershipTests(DashboardFixture fixture)
{
    [Fact]
    public async Task ASecondWorkspace_CreatingAnAccountIdAnotherHolds_Gets409_ThatDoesNotNameTheHolder()
    {
        var (holder, _, holderApi) = await fixture.CreateWorkspaceAsync();
        var (other, _, otherApi) = await fixture.CreateWorkspaceAsync();
        var seat = DashboardFixture.NewId("seat");
        await InMailScenario.ExpectAsync(holderApi.PutAsync($"/api/workspaces/{holder}/accounts/{seat}", DashboardFixture.Json(new { timeZone = "UTC" })), 200);

        var problem = await ProblemAssert.IsProblemAsync(
            await otherApi.PutAsync($"/api/workspaces/{other}/accounts/{seat}", DashboardFixture.Json(new { timeZone = "Europe/Paris" })), 409);

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(seat, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(holder, detail, StringComparison.Ordinal);
        // Nothing of the other workspace's attempt is stored, and the holder's account is as it was.
        Assert.False((await fixture.Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(other, seat)).GetViewAsync()).Exists);
        Assert.Empty((await fixture.Grains.GetGrain<IWorkspaceGrain>(other).GetDirectoryAsync()).Accounts);
        var held = await InMailScenario.ExpectAsync(holderApi.GetAsync($"/api/workspaces/{holder}/accounts/{seat}"), 200);
        Assert.Equal("UTC", held.GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task TheHolder_UpdatesItsAccountAsOftenAsItLikes()
    {
        var (holder, _, api) = await fixture.CreateWorkspaceAsync();
        var seat = DashboardFixture.NewId("seat");

        await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{holder}/accounts/{seat}", DashboardFixture.Json(new { timeZone = "UTC" })), 200);
        await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{holder}/accounts/{seat}", DashboardFixture.Json(new { timeZone = "Europe/Paris" })), 200);
        var updated = await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{holder}/accounts/{seat}", DashboardFixture.Raw("{}")), 200);

        Assert.Equal("Europe/Paris", updated.GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task ManyWorkspacesRacingForOneSeat_ExactlyOneGetsIt()
    {
        var contenders = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => fixture.CreateWorkspaceAsync()));
        var seat = DashboardFixture.NewId("seat");

        var statuses = await Task.WhenAll(contenders.Select(async c =>
        {
            using var response = await c.Client.PutAsync($"/api/workspaces/{c.Id}/accounts/{seat}", DashboardFixture.Json(new { timeZone = "UTC" }));
            return (int)response.StatusCode;
        }));

        Assert.Equal(1, statuses.Count(s => s == 200));
        Assert.Equal(contenders.Length - 1, statuses.Count(s => s == 409));
    }

    [Fact]
    public async Task AWorkspaceWithoutTheSeat_CannotDriveItThroughCampaignsOrEvents()
    {
        var victim = await InMailScenario.TripAsync(fixture, prospects: 1);
        var (other, _, api) = await fixture.CreateWorkspaceAsync();
        await ProblemAssert.IsProblemAsync(await api.PutAsync($"/api/workspaces/{other}/accounts/{victim.AccountId}", DashboardFixture.Raw("{}")), 409);

        var campaign = await api.PutAsync($"/api/workspaces/{other}/campaigns/borrowed",
            DashboardFixture.Raw($$"""{"accountId":"{{victim.AccountId}}","steps":[{"action":"InMail"}]}"""));
        var events = await api.PostAsync($"/api/workspaces/{other}/events",
            DashboardFixture.Raw($$"""{"accountId":"{{victim.AccountId}}","action":"InMail","kind":"Sent"}"""));

        await ProblemAssert.IsProblemAsync(campaign, 400);
        await ProblemAssert.IsProblemAsync(events, 404);
        var account = await victim.GetAsync($"/accounts/{victim.AccountId}");
        Assert.Equal("Open", account.GetProperty("breakers").GetProperty("InMail").GetProperty("state").GetString());
        var theirs = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{other}/campaigns"), 200);
        Assert.Equal(0, theirs.GetProperty("items").GetArrayLength());
    }
}
