import assert from "node:assert/strict";
import { parseNotificationPage } from "../../src/dnb/notification_page.ts";
import type { Batch } from "../../src/sinks/sink.ts";

// A pull page with every value that has broken an encoder somewhere: quotes, separators, line
// breaks, markup, unicode, characters XML cannot hold, exponent numbers, null/[]/{} values,
// missing keys, an unknown type and notifications without elements. The first notification is
// one line, the others span several, as D&B's pretty-printed pages do.
const TRICKY_PAGE = `{
  "transactionDetail": { "transactionID": "rrt-1", "transactionTimestamp": "2024-02-25T16:21:00.869Z", "inLanguage": "en-US" },
  "inquiryDetail": { "reference": "ACME_PULL_01" },
  "notifications": [
    {"type":"UPDATE","organization":{"duns":"081466849"},"elements":[{"element":"organization.financials.yearlyRevenue","previous":2.9051016094E8,"current":3.0251016094E8,"timestamp":"2024-02-22T11:07:46Z"}],"deliveryTimeStamp":"2024-02-25T16:21:07.593Z","vendorExtension":{"kept":true}},
    {
      "type": "UPDATE",
      "organization": { "duns": "123456789" },
      "elements": [
        {
          "element": "organization.primaryName",
          "previous": "He said \\"hi\\", then\\nleft; a,b",
          "current": "Ünïcødé 😀 <&> 'x' \\r\\n\\ttab",
          "timestamp": "2024-02-22T11:07:46Z"
        },
        {
          "element": "organization.telephone",
          "previous": [{ "telephoneNumber": "6505550000", "isdCode": "1", "isUnreachable": false }],
          "current": [{ "telephoneNumber": "6505551000", "isdCode": "1", "isUnreachable": false }]
        },
        { "element": "organization.registeredDetails", "previous": [], "current": { "legalForm": "Corp \\"A\\" & <B>" } },
        { "element": "organization.formerPrimaryNames", "previous": null, "current": [] },
        { "element": "organization.tradeStyleNames", "current": "null", "timestamp": null },
        { "element": "organization.note", "previous": "", "current": "ctrl \\u0001 \\u001f nul \\u0000 ffff \\uffff lone \\ud800 end" },
        { "element": "organization.weird<&>\\"'\\tpath,x", "previous": 1e-7, "current": -0.5E+300 }
      ],
      "deliveryTimeStamp": "2024-02-25T16:21:07.594Z"
    },
    {
      "type": "DELETE",
      "organization": { "duns": "268909075" },
      "elements": [],
      "deliveryTimeStamp": "2024-02-25T16:21:07.601Z"
    },
    {
      "type": "SOMETHING_NEW",
      "organization": { "duns": "000000017" },
      "deliveryTimeStamp": "2024-02-25T16:21:07.700Z"
    }
  ]
}`;

/** A batch of tricky notifications, parsed the way the client parses a pull. */
export function trickyBatch(overrides: Partial<Batch> = {}): Batch {
  const page = parseNotificationPage(TRICKY_PAGE, { reference: "ACME_PULL_01", path: "/pull" });
  assert.equal(page.invalid.length, 0, JSON.stringify(page.invalid));
  return {
    registration: "ACME_PULL_01",
    sequence: 7,
    pulledAt: "2024-02-25T16:21:08.123Z",
    notifications: page.notifications.map(({ id, raw, notification }) => ({
      id,
      raw,
      notification,
    })),
    ...overrides,
  };
}
