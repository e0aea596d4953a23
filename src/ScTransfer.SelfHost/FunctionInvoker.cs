using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.SelfHost;

/// <summary>
/// Calls a function method the way the isolated worker does for the parameters the relay's functions use:
/// <see cref="HttpRequest"/>, route values by name, <see cref="TimerInfo"/> and <see cref="CancellationToken"/>.
/// The function class is created per invocation from the container, as the worker does.
/// </summary>
internal sealed class FunctionInvoker
{
    private readonly MethodInfo _method;
    private readonly ObjectFactory _factory;
    private readonly Func<HttpContext?, CancellationToken, object?>[] _binders;

    public FunctionInvoker(MethodInfo method)
    {
        _method = method;
        _factory = ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes);
        _binders = [.. method.GetParameters().Select(Binder)];
        if (method.ReturnType != typeof(Task<IResult>) && method.ReturnType != typeof(Task))
        {
            throw new InvalidOperationException($"{method.DeclaringType!.Name}.{method.Name} must return Task<IResult> or Task.");
        }
    }

    public async Task<IResult?> InvokeAsync(IServiceProvider services, HttpContext? http, CancellationToken cancellationToken)
    {
        var instance = _method.IsStatic ? null : _factory(services, null);
        var arguments = new object?[_binders.Length];
        for (var i = 0; i < _binders.Length; i++)
        {
            arguments[i] = _binders[i](http, cancellationToken);
        }

        var task = (Task)_method.Invoke(instance, arguments)!;
        await task;
        return task is Task<IResult> withResult ? withResult.Result : null;
    }

    private static Func<HttpContext?, CancellationToken, object?> Binder(ParameterInfo parameter)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return (http, _) => http!.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return (_, ct) => ct;
        }

        if (parameter.ParameterType == typeof(TimerInfo))
        {
            return (_, _) => new TimerInfo();
        }

        if (parameter.ParameterType == typeof(string))
        {
            var name = parameter.Name!;
            return (http, _) => http?.Request.RouteValues[name] as string;
        }

        throw new NotSupportedException(
            $"The self-hosted runner cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}; "
            + "functions take HttpRequest, route strings, TimerInfo and CancellationToken.");
    }
}
