using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>infra/ compiles and lints with zero diagnostics of any level.</summary>
[Trait(Needs.Trait, Needs.Bicep)]
public sealed class BicepLintTests
{
    [Fact]
    public void Main_template_builds_without_a_warning()
    {
        var build = Bicep.Run("build", Bicep.MainFile, "--stdout");

        Assert.Equal(0, build.ExitCode);
        Assert.True(build.Diagnostics.Count == 0, "bicep build diagnostics:\n" + string.Join('\n', build.Diagnostics));
        Assert.True(string.IsNullOrWhiteSpace(build.Error), "bicep build wrote to stderr:\n" + build.Error);
    }

    [Fact]
    public void Main_template_and_its_modules_lint_clean()
    {
        var lint = Bicep.Run("lint", Bicep.MainFile);

        Assert.Equal(0, lint.ExitCode);
        Assert.True(lint.Diagnostics.Count == 0, "bicep lint diagnostics:\n" + string.Join('\n', lint.Diagnostics));
    }

    [Fact]
    public void Every_module_file_is_used_by_main()
    {
        // bicep lints only what main.bicep reaches: an orphaned module would escape every check here.
        var infra = Path.GetDirectoryName(Bicep.MainFile)!;
        var deployments = ArmTemplate.AllTemplates(Bicep.MainTemplate).Count() - 1;
        var moduleFiles = Directory.GetFiles(infra, "*.bicep", SearchOption.AllDirectories).Length - 1;

        Assert.Equal(moduleFiles, deployments);
    }

    [Fact]
    public void The_check_sees_type_errors_that_bicep_reports_as_warnings()
    {
        // Guards the guard: a type error exits 0, so only the diagnostic line tells.
        var file = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.bicep");
        File.WriteAllText(file, """
            param unused string
            resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
              name: 'x'
              location: 'westeurope'
              kind: 'StorageV2'
              sku: { name: 'Standard_LRS' }
            }
            """);
        try
        {
            var build = Bicep.Run("build", file, "--stdout");
            var lint = Bicep.Run("lint", file);

            Assert.Equal(0, build.ExitCode);
            Assert.Contains(build.Diagnostics, line => line.Contains("BCP", StringComparison.Ordinal));
            Assert.Contains(lint.Diagnostics, line => line.Contains("no-unused-params", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
