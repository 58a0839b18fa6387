// The dashboard: crm_mon, live. Each status from the stream replaces the tables; nothing is polled, nothing reloads.
import { header, followStatus, $, put } from './common.js';
import { summary, nodesTable, resourcesTable, failedTable, fencingTable } from './status.js';

header('/');
followStatus(view => {
  put($('#summary-slot'), summary(view));
  put($('#nodes-slot'), nodesTable(view, { commands: true }));
  put($('#resources-slot'), resourcesTable(view));
  put($('#failed-slot'), failedTable(view, { commands: true }));
  put($('#fencing-slot'), fencingTable(view));
});
