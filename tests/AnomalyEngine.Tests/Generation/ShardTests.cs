using AnomalyEngine.Generation;

namespace AnomalyEngine.Tests.Generation;

public class ShardTests
{
    [Fact]
    public void Shards_partition_the_items_exactly()
    {
        var items = Enumerable.Range(0, 200).Select(i => new WorkItem($"good/{i:000}.png", i % 2 == 0 ? "crack" : "hole", i % 3, i % 2)).ToList();
        var owners = items.Select(it => Enumerable.Range(0, 4).Count(s => new Shard(s, 4).Owns(it.Key))).ToList();
        Assert.All(owners, n => Assert.Equal(1, n));
        // A split that puts nearly everything on one shard would defeat the purpose.
        var sizes = Enumerable.Range(0, 4).Select(s => items.Count(it => new Shard(s, 4).Owns(it.Key))).ToList();
        Assert.All(sizes, n => Assert.InRange(n, 30, 70));
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    public void Parses_valid_shards(string text, int index, int count) => Assert.Equal(new Shard(index, count), Shard.Parse(text));

    [Theory]
    [InlineData("4/4")]
    [InlineData("-1/2")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("0/0")]
    public void Refuses_invalid_shards(string text) => Assert.Throws<InvalidOptionException>(() => Shard.Parse(text));

    [Fact]
    public void Key_is_the_FNV1a_hash_of_the_item_fields()
    {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector).
        var item = new WorkItem("x.png", "d", 0, 1);
        ulong expected = 14695981039346656037UL;
        foreach (char c in "x.png|d|0|1") { expected ^= c; expected *= 1099511628211UL; }
        Assert.Equal(expected, item.Key);
        ulong a = unchecked((14695981039346656037UL ^ 'a') * 1099511628211UL);
        Assert.Equal(0xaf63dc4c8601ec8cUL, a);
    }
}
