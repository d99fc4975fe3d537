using OrleansBreaker.Client.Web;

namespace OrleansBreaker.Tests.Unit;

public sealed class ReasonTextTests
{
    public static TheoryData<Reason> Reasons() => [.. Enum.GetValues<Reason>().Where(r => r != Reason.None)];

    [Theory]
    [MemberData(nameof(Reasons))]
    public void EveryReason_IsExplainedInWords_NotJustNamed(Reason reason)
    {
        var text = ReasonText.Explain(reason, ActionType.InMail);

        Assert.NotEqual(reason.ToString(), text);
        Assert.True(text.Length > 20, text);
    }
}
