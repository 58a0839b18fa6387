using System.Text;
using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;
using CsCheck;
using Xunit;

namespace Cib.Projections.Tests.Policy;

/// <summary>The managed MD5 behind <see cref="ParameterDigest"/> gives the platform's MD5 for every input.</summary>
public class Md5Tests
{
    [Theory]
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6")]
    public void Known_digests(string text, string hex) =>
        Assert.Equal(hex, Convert.ToHexStringLower(Md5.HashData(Encoding.UTF8.GetBytes(text))));

    [Fact]
    public void Equals_the_platform_md5_for_every_length_around_the_block_boundaries()
    {
        for (var n = 0; n <= 300; n++)
        {
            var bytes = Enumerable.Range(0, n).Select(i => (byte)(i * 31 + n)).ToArray();
            Assert.Equal(System.Security.Cryptography.MD5.HashData(bytes), Md5.HashData(bytes));
        }
    }

    [Fact]
    public void Equals_the_platform_md5_for_arbitrary_input() =>
        Gen.Byte.Array[0, 5000].Sample(bytes => Assert.Equal(System.Security.Cryptography.MD5.HashData(bytes), Md5.HashData(bytes)));

    [Fact]
    public void The_parameter_digest_is_pacemakers_md5_of_the_parameters_element()
    {
        var parameters = ValueMap.Of(("ip", "192.0.2.10"), ("cidr_netmask", "24"), ("label", "a<b&\"c\""));
        var text = " <parameters cidr_netmask=\"24\" ip=\"192.0.2.10\" label=\"a&lt;b&amp;&quot;c&quot;\"/>\n";
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(text))), ParameterDigest.Of(parameters));
    }
}
