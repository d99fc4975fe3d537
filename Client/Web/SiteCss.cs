namespace OrleansBreaker.Client.Web;

/// <summary>The dashboard's one stylesheet, served from memory: no front-end build, no static files to deploy.</summary>
public static class SiteCss
{
    public const string Path = "/assets/site.css";

    public static IEndpointRouteBuilder MapSiteCss(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Text(Css, "text/css; charset=utf-8");
        });
        return app;
    }

    private const string Css = """
        :root { --ok:#1b7f3b; --ok-bg:#e6f4ea; --bad:#b3261e; --bad-bg:#fce8e6; --warn:#8a5a00; --warn-bg:#fef3d6;
                --ink:#1f2328; --muted:#59636e; --line:#d8dee4; --bg:#f6f8fa; --link:#0b57d0; }
        * { box-sizing: border-box; }
        body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:#fff; }
        a { color:var(--link); text-decoration:none; } a:hover { text-decoration:underline; }
        header.top { display:flex; align-items:center; gap:1.5rem; padding:.6rem 1.5rem; background:#24292f; color:#fff; }
        header.top a { color:#fff; } .brand { font-weight:700; letter-spacing:.02em; }
        header.top .spacer { flex:1; } header.top form { margin:0; }
        header.top button { background:transparent; color:#fff; border:1px solid #8c959f; border-radius:4px; padding:.2rem .7rem; cursor:pointer; }
        main { padding:1.2rem 1.5rem 3rem; max-width:1400px; }
        h1 { font-size:1.45rem; margin:.2rem 0 .8rem; } h2 { font-size:1.1rem; margin:1.6rem 0 .6rem; }
        .muted { color:var(--muted); } .small { font-size:12px; }
        table { border-collapse:collapse; width:100%; background:#fff; }
        th, td { border:1px solid var(--line); padding:.4rem .55rem; text-align:left; vertical-align:top; }
        th { background:var(--bg); font-weight:600; white-space:nowrap; }
        td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
        .badge { display:inline-block; padding:.05rem .45rem; border-radius:10px; font-size:12px; font-weight:600; }
        .badge.ok { color:var(--ok); background:var(--ok-bg); } .badge.bad { color:var(--bad); background:var(--bad-bg); }
        .badge.warn { color:var(--warn); background:var(--warn-bg); }
        td.breaker.open { background:var(--bad-bg); } td.breaker.probing { background:var(--warn-bg); }
        .banner { border:1px solid var(--bad); background:var(--bad-bg); color:var(--bad); padding:.7rem 1rem; border-radius:6px; margin:.6rem 0 1rem; }
        .cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(300px, 1fr)); gap:.8rem; align-items:start; }
        .card { border:1px solid var(--line); border-radius:6px; padding:.7rem .9rem; }
        .card.open { border-color:var(--bad); } .card h3 { margin:0 0 .4rem; font-size:1rem; }
        dl { display:grid; grid-template-columns:max-content 1fr; gap:.25rem .9rem; margin:.3rem 0; } dt { color:var(--muted); } dd { margin:0; }
        .counters { display:flex; gap:.8rem; flex-wrap:wrap; margin:.4rem 0 1rem; }
        .counter { border:1px solid var(--line); border-radius:6px; padding:.45rem .9rem; min-width:6.5rem; }
        .counter b { display:block; font-size:1.3rem; }
        nav.tabs { display:flex; gap:.3rem; border-bottom:1px solid var(--line); margin:1.2rem 0 .8rem; }
        nav.tabs a { padding:.4rem .9rem; border:1px solid transparent; border-bottom:none; border-radius:6px 6px 0 0; }
        nav.tabs a.active { border-color:var(--line); background:#fff; margin-bottom:-1px; font-weight:600; color:var(--ink); }
        form.inline { display:flex; gap:.5rem; align-items:end; flex-wrap:wrap; margin:.4rem 0 .8rem; }
        label { display:flex; flex-direction:column; gap:.15rem; font-size:12px; color:var(--muted); }
        input, select { font:inherit; padding:.3rem .45rem; border:1px solid #afb8c1; border-radius:4px; min-width:12rem; }
        button.primary { font:inherit; padding:.35rem 1rem; border-radius:4px; border:1px solid #1a7f37; background:#1f883d; color:#fff; cursor:pointer; }
        .quick { margin:.2rem 0 .8rem; } .quick a { border:1px solid var(--line); border-radius:14px; padding:.15rem .7rem; background:var(--bg); }
        .signin { max-width:26rem; margin:3rem auto; border:1px solid var(--line); border-radius:8px; padding:1.3rem 1.5rem; }
        .signin form { display:flex; flex-direction:column; gap:.8rem; } .signin input { width:100%; }
        .error { color:var(--bad); } .why { font-size:1.05rem; border-left:4px solid var(--warn); padding:.3rem .9rem; background:var(--warn-bg); }
        .pager { display:flex; gap:1rem; margin:.8rem 0; }
        .charts { display:flex; flex-wrap:wrap; gap:1rem; } .charts figure { margin:0; max-width:560px; flex:1 1 420px; }
        .charts figcaption { font-size:12px; color:var(--muted); }
        svg.chart { width:100%; height:auto; border:1px solid var(--line); border-radius:6px; background:#fff; }
        svg.chart .bar { fill:#54aeff; } svg.chart .cap { fill:none; stroke:var(--warn); stroke-width:1.5; stroke-dasharray:4 3; }
        svg.chart .trip { stroke:var(--bad); stroke-width:2; } svg.chart .clear { stroke:var(--ok); stroke-width:2; }
        svg.chart .axis { stroke:#afb8c1; } svg.chart .label { font-size:10px; fill:var(--muted); }
        svg.chart .s0 { fill:#0969da; } svg.chart .s1 { fill:#1a7f37; } svg.chart .s2 { fill:#bf8700; } svg.chart .s3 { fill:#cf222e; }
        svg.chart .s4 { fill:#8250df; } svg.chart .s5 { fill:#1b7c83; } svg.chart .s6 { fill:#bc4c00; } svg.chart .s7 { fill:#57606a; }
        .legend { display:inline-block; width:.8em; height:.8em; border-radius:2px; margin-right:.25em; vertical-align:middle; }
        .legend.s0 { background:#0969da; } .legend.s1 { background:#1a7f37; } .legend.s2 { background:#bf8700; } .legend.s3 { background:#cf222e; }
        .legend.s4 { background:#8250df; } .legend.s5 { background:#1b7c83; } .legend.s6 { background:#bc4c00; } .legend.s7 { background:#57606a; }
        """;
}
