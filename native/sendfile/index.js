'use strict';
// The compiled binding: start(socketFd, fileFd, position, length, done) and cancel(transfer).
module.exports = require('./build/Release/sendfile.node');
