using System.Security.Cryptography;
using System.Text;

namespace RawScan.Output.Html.Internal;

/// <summary>
/// The page's one script: the host filter. It only reads and hides what the page already holds (no
/// network request; the CSP's default-src 'none' still forbids any), and the page is whole without it: the
/// filter box is hidden until the script shows it. The CSP allows this script and no other by its SHA-256
/// (<see cref="CspSource"/>), so nothing injected into the page through data could run even if escaping failed.
/// <para>
/// Every word typed must appear in a host's text (address, ports, services, flags), its cells read apart
/// (a row's textContent would run "198.18.0.80" into "80/tcp" and match 8080). Matching rows are shown
/// and their blocks opened when there are at most <c>OpenLimit</c> of them; beyond, the blocks stay closed
/// so a one-letter filter does not lay out 65,536 rows. A link to <c>report.html#q=31337</c> opens the page filtered.
/// </para>
/// </summary>
internal static class ReportScript
{
    public const string Js = """
(function(){var f=document.getElementById("host-filter");if(!f)return;var st=document.getElementById("filter-status"),box=document.getElementById("filter-box"),OpenLimit=2000,t;
box.hidden=false;
function words(){return f.value.toLowerCase().split(/\s+/).filter(Boolean)}
function text(el){var c=el.cells||el.querySelectorAll(".addr,.counts,td"),s=[];for(var i=0;i<c.length;i++)s.push(c[i].textContent);return s.join(" ").toLowerCase()}
function hit(el,w){if(!w.length)return true;var s=text(el);for(var i=0;i<w.length;i++)if(s.indexOf(w[i])<0)return false;return true}
function run(){var w=words(),n=0,blocks=[];
document.querySelectorAll("#hosts details.host").forEach(function(d){var m=hit(d,w);d.hidden=!m;if(m)n++});
document.querySelectorAll("#hosts details.block").forEach(function(b){var k=0;b.querySelectorAll("tbody tr").forEach(function(r){var m=hit(r,w);r.hidden=!m;if(m)k++});b.hidden=k==0;n+=k;blocks.push(b)});
blocks.forEach(function(b){b.open=w.length>0&&!b.hidden&&n<=OpenLimit});
st.textContent=w.length?n.toLocaleString("en")+(n==1?" host matches":" hosts match")+(n>OpenLimit&&blocks.length?"; open a block to see them":""):""}
f.addEventListener("input",function(){clearTimeout(t);t=setTimeout(run,150)});
var q=/^#q=(.*)$/.exec(location.hash);if(q){f.value=decodeURIComponent(q[1]);}if(f.value)run()})();
""";

    /// <summary>The CSP source that allows exactly <see cref="Js"/>.</summary>
    public static readonly string CspSource = $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Js)))}'";
}
