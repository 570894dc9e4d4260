using AnomalyEngine.Cli;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("anomaly-engine");
    config.PropagateExceptions();
    Verbs.Register(config);
});
return CliRunner.Run(app, args);
