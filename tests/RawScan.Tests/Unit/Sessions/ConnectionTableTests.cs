using RawScan.Sessions;
using Xunit;

namespace RawScan.Tests;

/// <summary>The banner connections' table against a dictionary doing the same adds, moves and removes.</summary>
public class ConnectionTableTests
{
    [Fact]
    public void RandomAddsMovesAndRemovesFindExactlyWhatADictionaryFinds()
    {
        var table = new ConnectionTable(256);
        var model = new Dictionary<(UInt128, ushort, ushort), int>();
        var rng = new Random(5);
        // Few addresses and ports, so keys collide in the index and backward shifts are exercised.
        (UInt128, ushort, ushort) RandomKey() => ((UInt128)rng.Next(40), (ushort)rng.Next(3), (ushort)(61000 + rng.Next(20)));
        for (int step = 0; step < 200_000; step++)
        {
            var k = RandomKey();
            switch (rng.Next(3))
            {
                case 0 when !model.ContainsKey(k):
                    int s = table.Add(k.Item1, k.Item2, k.Item3);
                    if (model.Count == table.Capacity) Assert.Equal(-1, s);
                    else { Assert.True(s >= 0); model[k] = s; }
                    break;
                case 1 when model.TryGetValue(k, out int slot):
                    table.Remove(slot);
                    model.Remove(k);
                    break;
                case 2 when model.TryGetValue(k, out int moving):
                    var to = (k.Item1, k.Item2, (ushort)(61000 + rng.Next(20)));
                    if (model.ContainsKey(to)) break;
                    table.Rekey(moving, to.Item3);
                    model.Remove(k);
                    model[to] = moving;
                    break;
            }
            var probe = RandomKey();
            Assert.Equal(model.TryGetValue(probe, out int want) ? want : -1, table.Find(probe.Item1, probe.Item2, probe.Item3));
        }
        Assert.Equal(model.Count, table.Count);
        foreach (var (k, slot) in model) Assert.Equal(slot, table.Find(k.Item1, k.Item2, k.Item3));
    }

    [Fact]
    public void EverySlotCanBeTakenAndGivenBack()
    {
        var table = new ConnectionTable(64);
        var slots = Enumerable.Range(0, 64).Select(i => table.Add((UInt128)i, 80, 61000)).ToList();
        Assert.Equal(64, slots.Distinct().Count());
        Assert.Equal(-1, table.Add(1000, 80, 61000));
        foreach (var s in slots) table.Remove(s);
        Assert.Equal(0, table.Count);
        Assert.Equal(-1, table.Find(3, 80, 61000));
        Assert.True(table.Add(1000, 80, 61000) >= 0);
    }
}
