global using Microsoft.Extensions.Logging;
global using Microsoft.Extensions.Options;
global using OrleansBreaker.EventLog;
global using OrleansBreaker.Hosting;
global using OrleansBreaker.Upstream;
