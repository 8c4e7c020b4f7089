import { describe, expect, it } from "vitest";
import { mulberry32, seededUniform } from "./mulberry32.js";
import { seededNormal } from "./seeded-normal.js";

describe("seeded generators", () => {
  it("give the same sequences as before they moved here (tiny models and test matrices depend on them)", () => {
    const cases = [
      { name: "mulberry32(20261122)", next: mulberry32(20261122), expected: [3594863774, 452285765, 13612445, 3823277520] },
      { name: "seededUniform(7)", next: seededUniform(7), expected: [0.011704753153026104, 0.06195825757458806, 0.97690763277933] },
      { name: "seededNormal(7)", next: seededNormal(7), expected: [2.7593729831156204, -0.0680513561837266, -0.9459489607500458] },
    ];
    for (const testCase of cases)
      expect(
        testCase.expected.map(() => testCase.next()),
        testCase.name,
      ).toEqual(testCase.expected);
  });

  it("stay in range: 32-bit unsigned integers, uniforms in [0, 1), finite normals near N(0, 1)", () => {
    const integers = mulberry32(1);
    const uniform = seededUniform(2);
    const normal = seededNormal(3);
    let sum = 0;
    let squares = 0;
    const outOfRange = { integers: 0, uniforms: 0, normals: 0 };
    const count = 20_000;
    for (let index = 0; index < count; index += 1) {
      const integer = integers();
      if (!(Number.isInteger(integer) && integer >= 0 && integer < 2 ** 32)) outOfRange.integers += 1;
      const value = uniform();
      if (!(value >= 0 && value < 1)) outOfRange.uniforms += 1;
      const sample = normal();
      if (!Number.isFinite(sample)) outOfRange.normals += 1;
      sum += sample;
      squares += sample * sample;
    }
    expect(outOfRange).toEqual({ integers: 0, uniforms: 0, normals: 0 });
    expect(Math.abs(sum / count)).toBeLessThan(0.05);
    expect(Math.abs(squares / count - 1)).toBeLessThan(0.05);
  });
});
