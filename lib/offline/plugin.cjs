'use strict';
// Placeholder: the local event-source mappings are being built (issue 3). Loaded from serverless.yml.
class LocalStreamsPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {};
  }
}
module.exports = LocalStreamsPlugin;
