using Soak;

namespace Lab.Tests;

/// <summary>
/// The short soak (issue 15; docs/soak.md): `./ha soak --faults 20 --seed 15` as a test. Twenty faults of every kind,
/// some overlapping, in a 3-node lab on the replicated store, judged by the soak's observer: no primitive ever active on
/// two live nodes (kernel and ARP), the service whole again within each fault's bound, no acknowledged append lost, the
/// log replaying to the same transitions and read models. The long soak (200 faults and more) is run by hand.
/// </summary>
public sealed class SoakTests(ITestOutputHelper output)
{
    public const int ShortSoakSeed = 15;

    [LabFact]
    public async Task A_short_soak_of_twenty_faults_of_every_kind_keeps_every_promise()
    {
        var options = new SoakOptions(Faults: 20, Seed: ShortSoakSeed);
        var log = new StringWriter();
        var report = await new SoakRun(options, log).RunAsync();
        output.WriteLine(log.ToString());
        output.WriteLine(report.Text);

        Assert.Equal(20, report.Faults.Count);
        Assert.Equal(options.Kinds.Order(), report.Faults.Select(f => f.Fault.Kind).Distinct().Order());
        Assert.Contains(report.Faults, f => f.Fault.Overlaps);
        Assert.True(report.Violations.Count == 0, string.Join("\n", report.Violations.Select(v => v.What)));
        Assert.Empty(report.Lost);
        Assert.True(report.Acknowledged > 0, "the ledger acknowledged nothing");
        Assert.EndsWith(report.LastLine + "\n", report.Text);
        Assert.Matches(@"^soak: faults=20 violations=0 lost_events=0 max_recovery_ms=\d+$", report.LastLine);
    }
}
