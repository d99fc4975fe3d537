using Microsoft.Extensions.Hosting;
using OrleansBreaker.Silo.Hosting;

// appsettings.json is read from beside the binary, so `dotnet run --project Silo` works from any folder.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddBreakerSilo();
await builder.Build().RunAsync();
