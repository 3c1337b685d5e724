// Amounts as the server reads them (core.money.parse_amount): plain digits, a point, at most the
// currency's decimals; "1,250.00" and "12,5" are refused there, so they are refused here too.
// Added in minor units (BigInt), never as floating-point money. Both editors use it.
(function () {
  "use strict";
  window.MilepostMoney = function (currency, locale) {
    const format = new Intl.NumberFormat(locale || "en", { style: "currency", currency: currency });
    const digits = format.resolvedOptions().maximumFractionDigits;
    return {
      toMinor: function (text) {
        const clean = String(text || "").trim();
        if (!/^(\d+(\.\d*)?|\.\d+)$/.test(clean)) return null;
        const [whole, frac = ""] = clean.split(".");
        if (frac.length > digits) return null;
        return BigInt((whole || "0") + frac.padEnd(digits, "0"));
      },
      show: function (minor) {
        const sign = minor < 0n ? -1 : 1;
        const abs = minor < 0n ? -minor : minor;
        const scale = 10n ** BigInt(digits);
        return format.format(sign * (Number(abs / scale) + Number(abs % scale) / Number(scale)));
      },
    };
  };
})();
