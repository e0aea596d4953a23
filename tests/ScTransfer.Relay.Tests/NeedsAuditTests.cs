using System.Diagnostics;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// The check behind every assembly's NeedsTraitTests finds what it is there for. Its samples below are no test
/// classes (no [Fact]), so the check does not hold this assembly to them.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class NeedsAuditTests
{
    [Fact]
    public void A_class_without_the_trait_is_named() =>
        Assert.Contains("has no [Trait(Needs.Trait, Needs.X)]", Assert.Single(NeedsAudit.ProblemsOf(typeof(UntraitedSample))), StringComparison.Ordinal);

    [Fact]
    public void A_value_Needs_does_not_declare_and_Nothing_beside_another_are_named()
    {
        var problems = NeedsAudit.ProblemsOf(typeof(MisspelledSample));

        Assert.Contains(problems, p => p.Contains("needs \"Azurtie\", which Needs does not declare", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("says Needs=Nothing together with Azurtie", StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_that_starts_a_process_in_an_async_lambda_is_caught() =>
        Assert.Contains("reaches a child process", Assert.Single(NeedsAudit.ProblemsOf(typeof(ProcessInALambdaSample))), StringComparison.Ordinal);

    [Fact]
    public void Nothing_whose_fixture_starts_a_relay_is_caught() =>
        Assert.Contains("RelayHost", Assert.Single(NeedsAudit.ProblemsOf(typeof(RelayFixtureSample))), StringComparison.Ordinal);

    [Fact]
    public void Nothing_that_reaches_Azurite_through_a_helpers_static_initializer_is_caught() =>
        Assert.Contains("SharedTableSample..cctor uses Azurite.", Assert.Single(NeedsAudit.ProblemsOf(typeof(StaticInitializerSample))), StringComparison.Ordinal);

    [Fact]
    public void Work_on_the_in_memory_store_is_Nothing_and_so_is_a_class_that_needs_more() =>
        Assert.Empty(NeedsAudit.ProblemsOf(typeof(InMemorySample)).Concat(NeedsAudit.ProblemsOf(typeof(SaysAzuriteSample))));
}

public sealed class UntraitedSample
{
    public void Runs()
    {
    }
}

[Trait(Needs.Trait, Needs.Nothing)]
[Trait(Needs.Trait, "Azurtie")]
public sealed class MisspelledSample
{
    public void Runs()
    {
    }
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class ProcessInALambdaSample
{
    public async Task RunsAsync() => await Task.Run(() => Process.Start("true")!.WaitForExit());
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayFixtureSample(RelayHostFixture relay)
{
    public Uri Runs() => relay.BaseAddress;
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class StaticInitializerSample
{
    public string Runs() => SharedTableSample.Name;
}

public static class SharedTableSample
{
    public static readonly string Name = Azurite.UniqueTableName("sample");
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class InMemorySample
{
    public async Task<MailboxId> RunsAsync() => await new ProtocolHarness().CreatedAsync(DeviceClaim.New());
}

[Trait(Needs.Trait, Needs.Azurite)]
public sealed class SaysAzuriteSample
{
    public string Runs() => SharedTableSample.Name;
}
