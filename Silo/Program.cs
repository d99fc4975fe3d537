using Microsoft.AspNetCore.Builder;
using OrleansBreaker.Silo.Hosting;

// appsettings.json is read from beside the binary, so `dotnet run --project Silo` works from any folder.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddBreakerSilo();
var app = builder.Build();
// /healthz and /metrics on Orleans:HttpPort (5100 unless set).
app.MapSiloOperations();
await app.RunAsync();
