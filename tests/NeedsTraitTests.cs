namespace ScTransfer.Testing;

/// <summary>
/// Compiled into every test project (tests/Directory.Build.props links it): each test assembly holds its own test
/// classes to <see cref="Needs"/>, so neither a new class nor a new project goes without the trait that picks its stage.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class NeedsTraitTests
{
    [Fact]
    public void Every_test_class_says_what_it_needs_and_Nothing_only_where_nothing_is_started()
    {
        var problems = NeedsAudit.Problems(typeof(NeedsTraitTests).Assembly);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}
