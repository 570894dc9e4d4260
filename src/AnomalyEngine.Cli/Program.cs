return AnomalyEngine.Cli.CliRunner.RunConsole(args);
