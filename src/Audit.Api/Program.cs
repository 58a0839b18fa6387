using Audit.Api;

var builder = WebApplication.CreateBuilder(args);
ApiHost.Configure(builder);
var app = builder.Build();
ApiHost.Map(app);
app.Run();

public partial class Program;
