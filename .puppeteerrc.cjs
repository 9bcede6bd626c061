// caveat prints PDFs with the system Chromium (see README, "Requirements").
// puppeteer must never download its own browser: CI and client networks have no route for it.
/** @type {import("puppeteer").Configuration} */
module.exports = { skipDownload: true, chrome: { skipDownload: true }, "chrome-headless-shell": { skipDownload: true }, firefox: { skipDownload: true } };
