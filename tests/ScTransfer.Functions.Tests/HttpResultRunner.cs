using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ScTransfer.Functions.Tests;

/// <summary>Runs a relay answer on a <see cref="DefaultHttpContext"/> and reads back what it wrote.</summary>
internal static class HttpResultRunner
{
    public static DefaultHttpContext NewContext()
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        return http;
    }

    /// <summary>Executes <paramref name="result"/> into <paramref name="http"/>; returns the status and the problem's detail (or null).</summary>
    public static async Task<(int Status, string? Detail)> RunAsync(IResult result, HttpContext? http = null)
    {
        http ??= NewContext();
        await result.ExecuteAsync(http);
        var body = ((MemoryStream)http.Response.Body).ToArray();
        if (http.Response.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) != true)
        {
            return (http.Response.StatusCode, null);
        }

        using var problem = JsonDocument.Parse(body);
        Assert.Equal(http.Response.StatusCode, problem.RootElement.GetProperty("status").GetInt32());
        return (http.Response.StatusCode, problem.RootElement.GetProperty("detail").GetString());
    }
}
