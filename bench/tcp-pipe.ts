// A plain TCP byte pipe as its own process: `node out/bench/tcp-pipe.js TARGET_PORT` prints "listening PORT".
import { startPipe } from './proxy-support';

startPipe(Number(process.argv[2])).then(
  (pipe) => console.log(`listening ${pipe.port}`),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
