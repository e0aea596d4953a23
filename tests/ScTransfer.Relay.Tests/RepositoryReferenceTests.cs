using System.Text.RegularExpressions;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// Every reference a newcomer meets resolves inside the repository: repository paths and Markdown links in README.md
/// and docs, everything in the scripts, and the comments of the C#, Bicep, project and interop files. Trackers that
/// are not in the repository (an issue number) are not references a reader can follow either.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed partial class RepositoryReferenceTests
{
    /// <summary>Paths outside the repository that are meant to be there, each with its reason.</summary>
    private static readonly Dictionary<string, string> OutsideOnPurpose = new(StringComparer.Ordinal)
    {
        ["../shared/tools/functions-host"] = "the Functions host emulator CI puts beside the checkout (README, Testing)",
        ["shared/tools/functions-host"] = "the same emulator, named as the folder beside the checkout",
    };

    private static readonly string[] Skipped = ["bin", "obj", "node_modules", ".git", "TestResults"];

    [Fact]
    public void Every_path_and_link_resolves_inside_the_repository()
    {
        var dangling = Sources().SelectMany(source => Dangling(source.File, source.Text)).ToList();

        Assert.True(dangling.Count == 0, "Dangling references:\n" + string.Join('\n', dangling));
    }

    [Fact]
    public void No_text_points_at_a_tracker_outside_the_repository()
    {
        var found = Sources()
            .SelectMany(source => Tracker().Matches(source.Text).Select(m => $"{Relative(source.File)}: \"{m.Value}\""))
            .ToList();

        Assert.True(found.Count == 0, "References to trackers not in the repository:\n" + string.Join('\n', found));
    }

    [Fact]
    public void The_scan_catches_a_broken_path_link_anchor_and_file_name()
    {
        var readme = Path.Combine(Repository.Root, "README.md");

        Assert.Empty(Dangling(readme, "See docs/design.md, [the design](docs/design.md#layers) and `src/ScTransfer.Relay/`."));
        Assert.Empty(Dangling(readme, "Globs such as src/**/*.cs and builds such as bench/ScTransfer.Bench/bin/Release/x.dll."));
        Assert.NotEmpty(Dangling(readme, "See docs/no-such-design.md."));
        Assert.NotEmpty(Dangling(readme, "Builds such as bench/NoSuchProject/bin/Release/x.dll."));
        Assert.NotEmpty(Dangling(readme, "See [the design](docs/nosuch.md)."));
        Assert.Empty(Dangling(readme, "See [the limits](docs/security.md#who-the-client-is-ratelimiting__trustedforwardedhops)."));
        Assert.NotEmpty(Dangling(readme, "See [the limits](docs/security.md#no-such-section)."));
        Assert.NotEmpty(Dangling(readme, "See [the design](../design.md)."));
        Assert.NotEmpty(Dangling(readme, "See later-revisions.md."));
        Assert.NotEmpty(Dangling(readme, "See shared/spec/draft.txt."));
        Assert.Empty(Dangling(readme, "See [the draft](https://example.org/docs/x.md) and [above](#testing)."));
        Assert.Single(Tracker().Matches("as issue 10 §1 says"));
    }

    /// <summary>The text a reader meets: whole Markdown documents and scripts, and only the comments of code.</summary>
    private static IEnumerable<(string File, string Text)> Sources()
    {
        var root = Repository.Root;
        yield return (Path.Combine(root, "README.md"), File.ReadAllText(Path.Combine(root, "README.md")));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md"))
        {
            yield return (file, File.ReadAllText(file));
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "scripts")).Append(Path.Combine(root, ".ci", "run")))
        {
            yield return (file, File.ReadAllText(file));
        }

        foreach (var file in Files("src", "tests", "bench", "infra"))
        {
            var text = File.ReadAllText(file);
            switch (Path.GetExtension(file))
            {
                case ".cs" or ".bicep" or ".mjs":
                    yield return (file, string.Join('\n', SlashComments().Matches(text).Select(m => m.Value)));
                    break;
                case ".csproj" or ".props":
                    yield return (file, string.Join('\n', XmlComments().Matches(text).Select(m => m.Value)));
                    break;
                case ".sh":
                    yield return (file, text);
                    break;
            }
        }
    }

    private static IEnumerable<string> Files(params string[] folders) =>
        folders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Repository.Root, folder), "*", SearchOption.AllDirectories))
            .Where(file => !Relative(file).Split('/').Any(Skipped.Contains));

    private static readonly Lazy<HashSet<string>> FileNames = new(() =>
        Files("src", "tests", "bench", "infra", "docs", "scripts").Append(Path.Combine(Repository.Root, "README.md"))
            .Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal));

    private static IEnumerable<string> Dangling(string file, string text)
    {
        var root = Repository.Root;
        var where = Relative(file);

        if (file.EndsWith(".md", StringComparison.Ordinal))
        {
            foreach (Match link in MarkdownLink().Matches(text))
            {
                var target = link.Groups["target"].Value;
                if (target.StartsWith('#') || UriScheme().IsMatch(target))
                {
                    continue;
                }

                var parts = target.Split('#', 2);
                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, Uri.UnescapeDataString(parts[0])));
                if (!Inside(resolved) || !Exists(resolved)
                    || (parts.Length == 2 && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(resolved).Contains(parts[1])))
                {
                    yield return $"{where}: link ({link.Groups["target"].Value})";
                }
            }
        }

        foreach (Match path in RepositoryPath().Matches(text))
        {
            var value = path.Value;
            if (OutsideOnPurpose.ContainsKey(value))
            {
                continue;
            }

            // A glob (src/**/*.cs) names its folder; a build output (bench/ScTransfer.Bench/bin/Release) its project folder.
            var checkedPath = BuildOutputOrGlob().Split(value)[0];
            var resolved = Path.GetFullPath(Path.Combine(root, checkedPath));
            if (!Inside(resolved) || !Exists(resolved))
            {
                yield return $"{where}: path {value}";
            }
        }

        foreach (Match name in MarkdownFileName().Matches(text))
        {
            if (!FileNames.Value.Contains(name.Value))
            {
                yield return $"{where}: file {name.Value}";
            }
        }
    }

    /// <summary>The anchors GitHub gives a document's headings (outside code fences): lower case, punctuation dropped, spaces to hyphens.</summary>
    private static HashSet<string> Anchors(string markdownFile)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var fenced = false;
        foreach (var line in File.ReadLines(markdownFile))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
            }
            else if (!fenced && Heading().Match(line) is { Success: true } heading)
            {
                var slug = NotInSlug().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-');
                var anchor = slug;
                for (var n = 1; !anchors.Add(anchor); n++)
                {
                    anchor = $"{slug}-{n}";
                }
            }
        }

        return anchors;
    }

    private static bool Inside(string fullPath) =>
        fullPath == Repository.Root || fullPath.StartsWith(Repository.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static bool Exists(string fullPath) => File.Exists(fullPath) || Directory.Exists(fullPath);

    private static string Relative(string file) => Path.GetRelativePath(Repository.Root, file).Replace('\\', '/');

    /// <summary>[text](target) or [text](target "title"); images too.</summary>
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6}\s+(.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{N}_ -]")]
    private static partial Regex NotInSlug();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex UriScheme();

    /// <summary>
    /// A path from the repository root (or from beside it): not the tail of a URL or of a longer path, ending before
    /// sentence punctuation. The shared folder is the one beside the checkout: outside the repository unless allow-listed.
    /// </summary>
    [GeneratedRegex(@"(?<![\w/.:@$~-])(?:\.\./)*(?:docs|src|tests|scripts|infra|bench|\.ci|shared)/[\w.*/-]*[\w*]")]
    private static partial Regex RepositoryPath();

    /// <summary>A bare Markdown file name (design.md), which must be a file somewhere in the repository.</summary>
    [GeneratedRegex(@"(?<![\w/.:@$~-])[\w-]+\.md\b")]
    private static partial Regex MarkdownFileName();

    [GeneratedRegex(@"/(?:bin|obj)/|\*")]
    private static partial Regex BuildOutputOrGlob();

    [GeneratedRegex(@"(?i)\bissues? \d+\b|open-internet issue|storage issue|azure issue|design card")]
    private static partial Regex Tracker();

    [GeneratedRegex(@"(?<!:)//.*|/\*[\s\S]*?\*/")]
    private static partial Regex SlashComments();

    [GeneratedRegex(@"<!--[\s\S]*?-->")]
    private static partial Regex XmlComments();
}
