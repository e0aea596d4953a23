using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.SelfHost;

/// <summary>An HTTP function as its attributes declare it: the same facts the Functions SDK writes to functions.metadata.</summary>
internal sealed record HttpFunction(string Name, MethodInfo Method, IReadOnlyList<string> Methods, string Route);

/// <summary>A timer function and its schedule expression (possibly a <c>%Setting%</c> reference).</summary>
internal sealed record TimerFunction(string Name, MethodInfo Method, string Schedule);

/// <summary>
/// Reads the <c>[Function]</c>, <c>[HttpTrigger]</c> and <c>[TimerTrigger]</c> attributes of an assembly, so the
/// self-hosted runner's routes and schedules come from the same declarations Azure reads and cannot drift.
/// </summary>
internal static class FunctionCatalog
{
    public static IReadOnlyList<HttpFunction> HttpFunctions(Assembly assembly) =>
        [.. from method in FunctionMethods(assembly)
            let trigger = TriggerOf<HttpTriggerAttribute>(method)
            where trigger is not null
            select new HttpFunction(
                method.GetCustomAttribute<FunctionAttribute>()!.Name,
                method,
                [.. (trigger.Methods ?? ["get", "post"]).Select(m => m.ToUpperInvariant())],
                trigger.Route ?? method.GetCustomAttribute<FunctionAttribute>()!.Name)];

    public static IReadOnlyList<TimerFunction> TimerFunctions(Assembly assembly) =>
        [.. from method in FunctionMethods(assembly)
            let trigger = TriggerOf<TimerTriggerAttribute>(method)
            where trigger is not null
            select new TimerFunction(method.GetCustomAttribute<FunctionAttribute>()!.Name, method, trigger.Schedule)];

    private static IEnumerable<MethodInfo> FunctionMethods(Assembly assembly) =>
        from type in assembly.GetExportedTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
        where method.GetCustomAttribute<FunctionAttribute>() is not null
        select method;

    private static T? TriggerOf<T>(MethodInfo method) where T : Attribute =>
        method.GetParameters().Select(p => p.GetCustomAttribute<T>()).FirstOrDefault(a => a is not null);
}
