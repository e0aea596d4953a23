using System.Collections.Concurrent;

namespace ScTransfer.Client.Tests;

/// <summary>What a client put on the wire for one request.</summary>
public sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Everything the relay could see of this request, as one string to search.</summary>
    public string Everything => $"{Method} {Uri.OriginalString}\n{string.Join('\n', Headers.Select(h => h.Key + ": " + h.Value))}\n{Body}";
}

/// <summary>
/// Records every request a client sends, then passes it on to the real relay (or, with <see cref="Respond"/>, answers
/// itself). <see cref="LoseResponses"/> drops the next answers after the relay acted, as a broken network would.
/// </summary>
public sealed class RecordingHandler(HttpMessageHandler? inner = null) : DelegatingHandler(inner ?? new HttpClientHandler())
{
    private int _responsesToLose;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Answers instead of a relay; gets the request and its 1-based number.</summary>
    public Func<HttpRequestMessage, int, HttpResponseMessage>? Respond { get; set; }

    public void LoseResponses(int count) => _responsesToLose = count;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v))).ToList();
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Enqueue(new RecordedRequest(request.Method, request.RequestUri!, headers, body));

        if (Respond is not null)
        {
            var response = Respond(request, Requests.Count);
            response.RequestMessage = request;
            return response;
        }

        var answer = await base.SendAsync(request, cancellationToken);
        if (Interlocked.Decrement(ref _responsesToLose) >= 0)
        {
            answer.Dispose();
            throw new HttpRequestException("Simulated: the connection dropped before the answer arrived.");
        }

        return answer;
    }
}
