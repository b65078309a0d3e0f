namespace RawScan.Output.Html.Internal;

/// <summary>
/// The page's one stylesheet, inline. System fonts only (nothing to fetch); colours from a palette whose
/// text pairs meet WCAG AA contrast on their backgrounds (red #82071e on #ffebe9, amber #6b4400 on
/// #fff8c5, grey #57606a on white). Large reports' host blocks are
/// details elements: they open without script; the script only adds the filter.
/// </summary>
internal static class ReportStyle
{
    public const string Css = """
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--accent:#0969da;--open:#1a7f37;--closed:#57606a;--filtered:#9a6700;--of:#8250df;--tcp:#0969da;--udp:#bf3989;--bad:#cf222e;--bad-bg:#ffebe9;--bad-fg:#82071e;--warn:#bf8700;--warn-bg:#fff8c5;--warn-fg:#6b4400}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif;color:var(--fg);background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px clamp(12px,3vw,32px) 48px}
h1{font-size:1.7rem;margin:0 0 2px}
h2{font-size:1.25rem;margin:36px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0 0 8px}
code,.mono,td.port{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.92em}
.sub{color:var(--muted);margin:0 0 16px}
nav a{color:var(--accent);margin-right:16px;text-decoration:none}
nav a:hover{text-decoration:underline}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,210px),1fr));gap:8px 24px;margin:16px 0}
.facts div{padding:8px 12px;background:var(--soft);border-radius:6px}
.facts dt{font-size:.8rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.facts dd{margin:0;font-weight:600}
.cmd{grid-column:1/-1}
.cmd dd code{display:block;white-space:pre-wrap;word-break:break-all;font-weight:400}
.tiles{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.tile{flex:1 1 140px;border:1px solid var(--line);border-top:4px solid var(--muted);border-radius:6px;padding:10px 14px}
.tile b{display:block;font-size:1.6rem;line-height:1.2}
.tile span{color:var(--muted);font-size:.9rem}
.tile.open{border-top-color:var(--open)}.tile.closed{border-top-color:var(--closed)}.tile.filtered{border-top-color:var(--filtered)}.tile.openfiltered{border-top-color:var(--of)}.tile.hosts{border-top-color:var(--accent)}
.end-failed,.end-interrupted{padding:8px 12px;border-radius:6px;background:var(--warn-bg);color:var(--warn-fg);border-left:4px solid var(--warn)}
.end-failed{background:var(--bad-bg);color:var(--bad-fg);border-left-color:var(--bad)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,500px),1fr));gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:14px 16px}
figure.wide{grid-column:1/-1}
figcaption{font-weight:600;margin-bottom:6px}
figure p{color:var(--muted);font-size:.9rem;margin:6px 0 0}
svg.chart{display:block;width:100%;height:auto;margin:0 auto;font-family:inherit}
svg .grid{stroke:#eaeef2;stroke-width:1}
svg .axis{stroke:#8c959f;stroke-width:1}
svg .tick,svg .category{font-size:12px;fill:var(--muted)}
svg .label{font-size:13px;fill:var(--fg)}
svg .axis-label{font-size:12px;fill:var(--muted);font-weight:600}
svg .value{font-size:12px;font-weight:600;fill:var(--fg)}
svg .empty{font-size:14px;fill:var(--muted)}
svg .legend text{font-size:12px;fill:var(--fg)}
svg .svc rect{fill:var(--accent)}
svg .tcp rect{fill:var(--tcp)}
svg .udp rect{fill:var(--udp)}
svg .hist rect{fill:var(--open)}
table{border-collapse:separate;border-spacing:0;width:100%;font-size:.93rem}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eaeef2;vertical-align:top}
thead th{position:sticky;top:0;z-index:1;background:var(--soft);border-bottom:1px solid var(--line);font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:hover td{background:#f6f8fa}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:.8rem;font-weight:600;line-height:1.6;white-space:nowrap}
.st-open .state{color:var(--open);font-weight:600}
.st-closed .state{color:var(--closed)}
.st-filtered .state{color:var(--filtered)}
.st-openfiltered .state{color:var(--of)}
tr.flag-backdoor td{background:var(--bad-bg);color:var(--bad-fg)}
tr.flag-backdoor td:first-child{box-shadow:inset 4px 0 var(--bad)}
tr.flag-alternate td{background:var(--warn-bg);color:var(--warn-fg)}
tr.flag-alternate td:first-child{box-shadow:inset 4px 0 var(--warn)}
.badge.backdoor{background:var(--bad);color:#fff}
.badge.alternate{background:var(--warn);color:#1f2328}
.none{color:var(--muted);font-style:italic}
.listed,.blocks-note{color:var(--muted);margin:0 0 12px}
#filter-box{margin:0 0 14px}
#filter-box label{font-weight:600;margin-right:6px}
#host-filter{font:inherit;padding:5px 10px;width:min(100%,420px);border:1px solid var(--line);border-radius:6px}
#filter-status{color:var(--muted);margin-left:8px}
details.addrs>summary{cursor:pointer;color:var(--accent)}
details.addrs p{margin:4px 0 0;max-height:16em;overflow:auto;word-spacing:.6em;line-height:1.6}
details.host{border:1px solid var(--line);border-radius:8px;margin:0 0 12px}
details.host>summary{cursor:pointer;padding:10px 14px;background:var(--soft);border-radius:8px;list-style-position:inside}
details.host[open]>summary{border-bottom:1px solid var(--line);border-radius:8px 8px 0 0}
details.host>summary .addr{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-weight:700;margin-right:12px}
details.host>summary .counts{color:var(--muted);font-size:.9rem}
details.host table{border-radius:0 0 8px 8px}
tr.collapsed td{color:var(--muted);font-size:.88rem}
details.block{border:1px solid var(--line);border-radius:6px;margin:0 0 6px}
details.block>summary{cursor:pointer;padding:6px 12px;background:var(--soft);border-radius:6px}
details.block>summary .addr{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-weight:600;margin-right:12px}
details.block>summary .counts{color:var(--muted);font-size:.9rem}
table.hl{table-layout:fixed}
table.hl th:first-child{width:10.5em}table.hl th:last-child{width:13em}
table.hl td{padding:2px 10px;overflow-wrap:anywhere}
table.hl td:first-child{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;white-space:nowrap}
table.hl td:last-child{color:var(--muted);white-space:nowrap}
table.hl i{font-style:normal;color:var(--muted)}
mark.bd{background:var(--bad-bg);color:var(--bad-fg);box-shadow:inset 3px 0 var(--bad);padding:0 4px;font-weight:600}
mark.alt{background:var(--warn-bg);color:var(--warn-fg);box-shadow:inset 3px 0 var(--warn);padding:0 4px}
code.banner{white-space:pre-wrap;word-break:break-all}
footer{margin-top:40px;color:var(--muted);font-size:.85rem}
@media (max-width:640px){body{font-size:14px}th,td{padding:5px 6px}.hide-narrow{display:none}}
@media print{#filter-box{display:none}}
""";
}
