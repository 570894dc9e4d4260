namespace AnomalyEngine.Cli;

/// <summary>
/// Ctrl-C for the whole run: the first press cancels the token every verb receives (long verbs stop
/// cleanly between items and exit 130); the second press lets the runtime end the process at once.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly TextWriter _messages;
    private readonly ConsoleCancelEventHandler? _handler;

    private StopSignal(TextWriter messages, bool listen)
    {
        _messages = messages;
        if (listen)
        {
            _handler = (_, e) => e.Cancel = Request();
            Console.CancelKeyPress += _handler;
        }
    }

    /// <summary>Cancelled by the first Ctrl-C.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Listens to Console.CancelKeyPress until disposed; messages go to <paramref name="messages"/>.</summary>
    public static StopSignal Listen(TextWriter messages) => new(messages, listen: true);

    /// <summary>A signal that only <see cref="Request"/> triggers (tests, embedding).</summary>
    internal static StopSignal Manual(TextWriter messages) => new(messages, listen: false);

    /// <summary>One Ctrl-C: true keeps the process alive (first press), false lets it end (second press).</summary>
    internal bool Request()
    {
        if (_source.IsCancellationRequested)
        {
            _messages.WriteLine("stopping now.");
            return false;
        }
        _messages.WriteLine("stopping after the current item (press Ctrl-C again to quit at once)...");
        _source.Cancel();
        return true;
    }

    public void Dispose()
    {
        if (_handler is not null)
            Console.CancelKeyPress -= _handler;
        _source.Dispose();
    }
}
