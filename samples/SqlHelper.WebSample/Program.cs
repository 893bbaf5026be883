using SqlHelpers.WebSample;

// dotnet run --project samples/SqlHelper.WebSample -- --urls http://127.0.0.1:5080
await WebSampleApp.Build(args).RunAsync();
