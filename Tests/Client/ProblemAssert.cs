using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

public static class ProblemAssert
{
    /// <summary>An RFC 9457 answer with this status and a detail that says what was wrong; returns the problem document.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, int status)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement.Clone();
            Assert.Equal(status, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), "a problem says what was wrong");
            return problem;
        }
    }
}
