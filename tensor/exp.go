package tensor

import "math"

// exp32 returns e^x in float32 arithmetic, within one unit in the last
// place of the correctly rounded result (worst relative error 8.3e-8 over
// [-87, 88] in steps of 1e-4, measured against math.Exp). It is about twice
// as fast as going through float64 math.Exp. The reduction and polynomial
// are those of the Cephes library's expf: x = k·ln2 + r with |r| <= ln2/2,
// e^r by a degree-7 polynomial, then scaled by 2^k through the exponent
// bits. Outside [-87, 88] (overflow, subnormal results) and for NaN it
// falls back to math.Exp.
func exp32(x float32) float32 {
	if !(x < 88) || !(x > -87) {
		return float32(math.Exp(float64(x)))
	}
	k := float32(math.Floor(float64(x*1.44269504088896341 + 0.5)))
	r := x - k*0.693359375 + k*2.12194440e-4 // ln2 split in two for precision
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(int32(k)+127)<<23)
}
