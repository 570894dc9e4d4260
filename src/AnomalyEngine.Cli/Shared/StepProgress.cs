using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AnomalyEngine.Cli;

/// <summary>
/// Progress of one long step: a Spectre bar with rate and ETA on an interactive terminal; plain
/// periodic lines ("generate: 40/200 (20%), 3.1 images/s, ETA 52 s") when output is redirected or
/// --json is given. Start one with <see cref="Run{T}"/>; report with Advance/Set, or hand a library
/// call the adapter from <see cref="As{T}"/>. Safe to report from several threads.
/// </summary>
internal sealed class StepProgress
{
    /// <summary>Seconds between plain lines (the first and last line are always printed).</summary>
    internal static double PlainIntervalSeconds { get; set; } = 5;

    /// <summary>Forces plain lines (true) or the bar (false); null decides from the console.</summary>
    internal static bool? PlainOverride { get; set; }

    private readonly Lock _gate = new();
    private readonly string _description;
    private readonly string _unit;
    private readonly ProgressTask? _task;
    private readonly IAnsiConsole _console;
    private readonly Func<double> _seconds;
    private long _done;
    private long _total;
    private double _lastLine = double.NegativeInfinity;

    internal StepProgress(string description, long total, string unit, ProgressTask? task, IAnsiConsole console, Func<double> seconds)
    {
        _description = description;
        _total = total;
        _unit = unit;
        _task = task;
        _console = console;
        _seconds = seconds;
    }

    /// <summary>Items done so far.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>
    /// Runs <paramref name="work"/> with a progress display for <paramref name="total"/> items named
    /// <paramref name="unit"/> (e.g. "images"); 0 when the total is not known yet (set it later).
    /// </summary>
    public static T Run<T>(string description, long total, string unit, Func<StepProgress, T> work)
    {
        var console = AnsiConsole.Console;
        if (Plain(console))
        {
            var clock = Stopwatch.StartNew();
            var plain = new StepProgress(description, total, unit, null, console, () => clock.Elapsed.TotalSeconds);
            plain.Line(force: true);
            T result = work(plain);
            plain.Finish();
            return result;
        }
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(unit), new RemainingTimeColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1));
                if (total <= 0)
                    task.IsIndeterminate = true;
                var bar = new StepProgress(description, total, unit, task, console, () => 0);
                T result = work(bar);
                task.StopTask();
                return result;
            });
    }

    /// <summary>True when progress is printed as plain lines: --json, redirected or non-interactive output.</summary>
    internal static bool Plain(IAnsiConsole console) =>
        PlainOverride ?? (Cli.JsonOutput.Active || !console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi);

    /// <summary>Sets the number of items when it becomes known.</summary>
    public void SetTotal(long total)
    {
        Interlocked.Exchange(ref _total, total);
        if (_task is not null)
        {
            _task.MaxValue = Math.Max(total, 1);
            _task.IsIndeterminate = total <= 0;
        }
    }

    /// <summary>Adds <paramref name="items"/> done items.</summary>
    public void Advance(long items = 1) => Set(Interlocked.Add(ref _done, items), alreadyStored: true);

    /// <summary>Sets the number of done items (absolute).</summary>
    public void Set(long done) => Set(done, alreadyStored: false);

    /// <summary>An IProgress for a library call whose reports carry the absolute count of done items.</summary>
    public IProgress<T> As<T>(Func<T, long> done) => new Adapter<T>(this, done);

    private void Set(long done, bool alreadyStored)
    {
        if (!alreadyStored)
            Interlocked.Exchange(ref _done, done);
        if (_task is not null)
            _task.Value = done;
        else
            Line(force: false);
    }

    private void Finish()
    {
        if (_task is null)
            Line(force: true, final: true);
    }

    private void Line(bool force, bool final = false)
    {
        lock (_gate)
        {
            double now = _seconds();
            if (!force && now - _lastLine < PlainIntervalSeconds)
                return;
            _lastLine = now;
            _console.WriteLine(Format(_description, Done, Interlocked.Read(ref _total), _unit, now, final));
        }
    }

    /// <summary>One plain progress line; rate = done / elapsed, ETA = (total - done) / rate.</summary>
    internal static string Format(string description, long done, long total, string unit, double seconds, bool final)
    {
        var c = CultureInfo.InvariantCulture;
        string count = total > 0 ? string.Format(c, "{0}/{1} ({2:F0}%)", done, total, 100.0 * done / total) : done.ToString(c);
        if (final)
            return string.Format(c, "{0}: {1} {2} in {3}", description, count, unit, Duration(seconds));
        if (done <= 0 || seconds <= 0)
            return string.Format(c, "{0}: {1} {2}", description, count, unit);
        double rate = done / seconds;
        string eta = total > 0 ? ", ETA " + Duration(Math.Max(0, total - done) / rate) : "";
        return string.Format(c, "{0}: {1}, {2:F1} {3}/s{4}", description, count, rate, unit, eta);
    }

    internal static string Duration(double seconds) =>
        seconds < 60 ? string.Format(CultureInfo.InvariantCulture, "{0:F0} s", seconds)
        : seconds < 3600 ? string.Format(CultureInfo.InvariantCulture, "{0}m {1:00}s", (int)(seconds / 60), (int)(seconds % 60))
        : string.Format(CultureInfo.InvariantCulture, "{0}h {1:00}m", (int)(seconds / 3600), (int)(seconds % 3600 / 60));

    private sealed class Adapter<T>(StepProgress progress, Func<T, long> done) : IProgress<T>
    {
        public void Report(T value) => progress.Set(done(value));
    }

    /// <summary>Items per second, from Spectre's smoothed speed of the task.</summary>
    private sealed class RateColumn(string unit) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } speed ? string.Format(CultureInfo.InvariantCulture, "{0:F1} {1}/s", speed, unit) : "", new Style(Color.Grey));
    }
}
