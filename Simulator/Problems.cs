namespace OrleansBreaker.Simulator;

/// <summary>RFC 9457 answers for bad input (API.md §2): always a human-readable <c>detail</c>, never a 500.</summary>
internal static class Problems
{
    public static IResult BadRequest(string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", extensions: extensions);

    public static IResult TooLarge(int maxBytes) =>
        Results.Problem(detail: $"The body is over {maxBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large");

    public static IResult InvalidId(string name, string value) =>
        BadRequest($"{name} '{Shorten(value)}' is not a valid id: use 1 to 64 characters among A-Z, a-z, 0-9, '_' and '-'.");

    public static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "...";
}
