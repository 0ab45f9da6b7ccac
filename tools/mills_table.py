"""Print the Taylor coefficients of the Mills ratio R(x) = Q(x) / phi(x)
about z = 0, 1, ..., 5 that fastinit/src/truncnorm.c evaluates (fi_mills).

R' = xR - 1 gives c[0] = R(z), c[1] = z R(z) - 1 and
c[n+1] = (z c[n] + c[n-1]) / (n + 1). In double precision that recurrence
loses about 3 bits by n = 20 (it cancels), so the coefficients are computed
here at 60 digits and stored rounded to double. 22 terms reach 1e-17
relative for |x - z| <= 1/2.

    python tools/mills_table.py      (needs mpmath)
"""
import mpmath as mp

CENTRES, TERMS = range(6), 22


def coefficients(z):
    r = mp.sqrt(mp.pi / 2) * mp.exp(mp.mpf(z) ** 2 / 2) * mp.erfc(z / mp.sqrt(2))
    c = [r, z * r - 1]
    for n in range(1, TERMS - 1):
        c.append((z * c[n] + c[n - 1]) / (n + 1))
    return c


def main():
    mp.mp.dps = 60
    print(f"static const double FI_MILLS_TAYLOR[{len(CENTRES)}][{TERMS}] = {{")
    for z in CENTRES:
        values = [repr(float(v)) for v in coefficients(z)]
        rows = [", ".join(values[k:k + 4]) for k in range(0, TERMS, 4)]
        print(f"    {{ /* z = {z} */\n        " + ",\n        ".join(rows) + "},")
    print("};")


if __name__ == "__main__":
    main()
