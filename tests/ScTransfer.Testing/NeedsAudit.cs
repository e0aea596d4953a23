using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Xunit;

namespace ScTransfer.Testing;

/// <summary>
/// Holds a test assembly to <see cref="Needs"/>: every test class (public, with [Fact]/[Theory] methods of its own or
/// inherited) carries <c>[Trait(Needs.Trait, ...)]</c> with values <see cref="Needs"/> declares, <see cref="Needs.Nothing"/>
/// alone; and a class that says Nothing does not reach, in its own code or the test code it calls, a type that starts
/// a process, opens a socket or a listener, or talks to Table storage (<see cref="OutOfProcess"/>).
/// </summary>
/// <remarks>
/// A static check on the compiled IL: from the class's methods, constructors and nested types (its lambdas and async
/// state machines), its base classes and its fixtures (constructor parameters, IClassFixture, the collection's
/// ICollectionFixture), it follows every method, field and type reference into the code of the test assembly and of
/// ScTransfer.Testing, type initializers included. The product's code it calls is taken to run in process: a product
/// component that opens a connection needs an address, which the test's own set-up has to start (and the walk sees).
/// Calls through an interface or a delegate it was handed are not followed.
/// </remarks>
public static class NeedsAudit
{
    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    static NeedsAudit()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            var value = (ushort)code.Value;
            (value >> 8 == 0xFE ? TwoByte : OneByte)[value & 0xFF] = code;
        }
    }

    /// <summary>What is wrong with the Needs traits of the test classes in <paramref name="tests"/>; empty when nothing is.</summary>
    public static IReadOnlyList<string> Problems(Assembly tests) =>
        tests.GetTypes().Where(IsTestClass).OrderBy(t => t.FullName, StringComparer.Ordinal).SelectMany(ProblemsOf).ToList();

    /// <summary>What is wrong with one class's Needs traits, taking it as a test class.</summary>
    public static IReadOnlyList<string> ProblemsOf(Type type)
    {
        var declared = typeof(Needs).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(Needs.Trait))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        var needs = NeedsOf(type);
        if (needs.Count == 0)
        {
            problems.Add($"{type.FullName} has no [Trait(Needs.Trait, Needs.X)]: say what it needs (tests/ScTransfer.Testing/Needs.cs).");
        }

        problems.AddRange(needs.Where(n => !declared.Contains(n))
            .Select(n => $"{type.FullName} needs \"{n}\", which Needs does not declare (one of {string.Join(", ", declared.Order(StringComparer.Ordinal))})."));
        if (needs.Contains(Needs.Nothing) && needs.Count > 1)
        {
            problems.Add($"{type.FullName} says Needs={Needs.Nothing} together with {string.Join(", ", needs.Where(n => n != Needs.Nothing))}.");
        }
        else if (needs.Contains(Needs.Nothing) && OutOfProcessReach(type) is { } reach)
        {
            problems.Add($"{type.FullName} says Needs={Needs.Nothing}, but it reaches {reach}.");
        }

        return problems;
    }

    private static bool IsTestClass(Type type) =>
        type is { IsClass: true, IsAbstract: false, IsVisible: true }
        && type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Any(m => m.IsDefined(typeof(FactAttribute), inherit: true));

    /// <summary>The Needs values on the class and its base classes (xunit reads inherited traits too).</summary>
    private static List<string> NeedsOf(Type type)
    {
        var needs = new List<string>();
        for (var t = type; t is not null; t = t.BaseType)
        {
            needs.AddRange(t.GetCustomAttributesData()
                .Where(a => a.AttributeType == typeof(TraitAttribute) && a.ConstructorArguments[0].Value as string == Needs.Trait)
                .Select(a => (string)a.ConstructorArguments[1].Value!));
        }

        return needs.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// What a class reached that does not run in memory, or null: these types, and every member of them. An HttpClient
    /// is not among them: what it could talk to on this machine, a test must start first (a relay, a stand-in
    /// listener), and that is among them.
    /// </summary>
    private static string? OutOfProcess(Type type) => (type.Namespace, type.Name) switch
    {
        ("System.Diagnostics", "Process" or "ProcessStartInfo") => "a child process",
        ("System.Net.Sockets", _) => "a socket",
        ("System.Net", "HttpListener") => "an HTTP listener",
        ("Microsoft.AspNetCore.Builder", "WebApplication") or ("Microsoft.AspNetCore.Hosting", "WebHostBuilderKestrelExtensions") => "a Kestrel server",
        ("Azure.Data.Tables", "TableClient" or "TableServiceClient") => "Table storage",
        ("ScTransfer.Testing", "RelayHost" or "Azurite" or "DedicatedAzurite" or "ChildProcess" or "FunctionsHostEmulator") => type.Name,
        _ => null,
    };

    private static string? OutOfProcessReach(Type testClass)
    {
        var house = new HashSet<Assembly> { testClass.Assembly, typeof(NeedsAudit).Assembly };
        var caller = new Dictionary<MethodBase, MethodBase?>();
        var queue = new Queue<MethodBase>();

        void Visit(MethodBase method, MethodBase? from)
        {
            if (method is MethodInfo { IsGenericMethod: true, IsGenericMethodDefinition: false } generic)
            {
                method = generic.GetGenericMethodDefinition();
            }

            if (method.DeclaringType is { } type && house.Contains(type.Assembly) && caller.TryAdd(method, from))
            {
                queue.Enqueue(method);
            }
        }

        foreach (var root in Roots(testClass, house))
        {
            foreach (var method in DeclaredMethods(root))
            {
                Visit(method, null);
            }
        }

        while (queue.TryDequeue(out var method))
        {
            if (method.GetCustomAttribute<StateMachineAttribute>() is { } stateMachine)
            {
                foreach (var step in DeclaredMethods(stateMachine.StateMachineType))
                {
                    Visit(step, method);
                }
            }

            foreach (var member in References(method))
            {
                var type = member as Type ?? member.DeclaringType;
                if (type is null)
                {
                    continue;
                }

                if (OutOfProcess(type) is { } what)
                {
                    return $"{what} ({Path(method, caller)} uses {type.Name}.{member.Name})";
                }

                if (member is MethodBase callee)
                {
                    Visit(callee, method);
                }

                if (house.Contains(type.Assembly) && type.TypeInitializer is { } initializer)
                {
                    Visit(initializer, method);
                }
            }
        }

        return null;
    }

    /// <summary>The class, its base classes and its fixtures, each with its base classes, as far as they are test code.</summary>
    private static IEnumerable<Type> Roots(Type testClass, HashSet<Assembly> house)
    {
        var fixtures = testClass.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType)
            .Concat(FixturesOf(testClass, typeof(IClassFixture<>)));
        foreach (var collection in testClass.GetCustomAttributesData().Where(a => a.AttributeType == typeof(CollectionAttribute)))
        {
            var name = collection.ConstructorArguments[0].Value as string;
            fixtures = fixtures.Concat(testClass.Assembly.GetTypes()
                .Where(t => t.GetCustomAttributesData().Any(a => a.AttributeType == typeof(CollectionDefinitionAttribute) && a.ConstructorArguments.FirstOrDefault().Value as string == name))
                .SelectMany(t => FixturesOf(t, typeof(ICollectionFixture<>))));
        }

        foreach (var type in fixtures.Prepend(testClass).Distinct())
        {
            for (var t = type; t is not null && house.Contains(t.Assembly); t = t.BaseType)
            {
                yield return t;
            }
        }
    }

    private static IEnumerable<Type> FixturesOf(Type type, Type fixtureInterface) =>
        type.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == fixtureInterface).Select(i => i.GetGenericArguments()[0]);

    /// <summary>Methods, constructors and the type initializer of a type and of its nested types (lambdas, state machines).</summary>
    private static IEnumerable<MethodBase> DeclaredMethods(Type type)
    {
        const BindingFlags all = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        return type.GetMethods(all).Cast<MethodBase>()
            .Concat(type.GetConstructors(all))
            .Concat(type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).SelectMany(DeclaredMethods));
    }

    /// <summary>The methods, fields and types a method's IL refers to (call, newobj, ldftn, ldfld, ldtoken, ...).</summary>
    private static List<MemberInfo> References(MethodBase method)
    {
        var members = new List<MemberInfo>();
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return members;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } generic ? generic.GetGenericArguments() : null;
        var methodArguments = method is MethodInfo { IsGenericMethod: true } genericMethod ? genericMethod.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var code = il[i] == 0xFE ? TwoByte[il[i + 1]] : OneByte[il[i]];
            i += code.Size;
            switch (code.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    if (Resolve(method.Module, BitConverter.ToInt32(il, i), typeArguments, methodArguments) is { } member)
                    {
                        members.Add(member);
                    }

                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                default: // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
                    i += 4;
                    break;
            }
        }

        return members;
    }

    private static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (Exception e) when (e is ArgumentException or TypeLoadException or FileNotFoundException or MissingMemberException or BadImageFormatException)
        {
            return null; // a member of an assembly this test run does not load: nothing the test can reach either
        }
    }

    private static string Path(MethodBase method, Dictionary<MethodBase, MethodBase?> caller)
    {
        var steps = new List<string>();
        for (MethodBase? m = method; m is not null; m = caller[m])
        {
            steps.Add($"{m.DeclaringType?.Name}.{m.Name}");
        }

        steps.Reverse();
        return string.Join(" -> ", steps);
    }
}
