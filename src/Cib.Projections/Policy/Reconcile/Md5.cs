using System.Buffers.Binary;
using System.Numerics;

namespace Cib.Projections.Policy.Reconcile;

/// <summary>
/// MD5 (RFC 1321) in managed code, for <see cref="ParameterDigest"/> only: a fingerprint Pacemaker compatibility
/// asks for, not a security function. The platform's MD5 goes through OpenSSL, and loading libcrypto for one digest
/// costs a planning node runtime ~5 MB of resident memory (docs/node-runtime.md). Tests compare it with the
/// platform's MD5.
/// </summary>
internal static class Md5
{
    private static readonly int[] Shift =
    [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];

    /// <summary>K[i] = floor(|sin(i + 1)| · 2^32), as RFC 1321 defines the table.</summary>
    private static readonly uint[] K = [.. Enumerable.Range(0, 64).Select(i => (uint)Math.Floor(Math.Abs(Math.Sin(i + 1)) * 4294967296.0))];

    public static byte[] HashData(ReadOnlySpan<byte> message)
    {
        // Padding: 0x80, zeros up to 56 mod 64, then the length in bits, little-endian.
        var length = (message.Length + 8) / 64 * 64 + 64;
        var padded = new byte[length];
        message.CopyTo(padded);
        padded[message.Length] = 0x80;
        BinaryPrimitives.WriteUInt64LittleEndian(padded.AsSpan(length - 8), (ulong)message.Length * 8);

        uint a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
        Span<uint> m = stackalloc uint[16];
        for (var chunk = 0; chunk < length; chunk += 64)
        {
            for (var j = 0; j < 16; j++) m[j] = BinaryPrimitives.ReadUInt32LittleEndian(padded.AsSpan(chunk + 4 * j));
            uint a = a0, b = b0, c = c0, d = d0;
            for (var i = 0; i < 64; i++)
            {
                uint f;
                int g;
                switch (i / 16)
                {
                    case 0: f = (b & c) | (~b & d); g = i; break;
                    case 1: f = (d & b) | (~d & c); g = (5 * i + 1) % 16; break;
                    case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16; break;
                    default: f = c ^ (b | ~d); g = 7 * i % 16; break;
                }
                f += a + K[i] + m[g];
                a = d;
                d = c;
                c = b;
                b += BitOperations.RotateLeft(f, Shift[i]);
            }
            a0 += a;
            b0 += b;
            c0 += c;
            d0 += d;
        }
        var digest = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(digest, a0);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(4), b0);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(8), c0);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(12), d0);
        return digest;
    }
}
