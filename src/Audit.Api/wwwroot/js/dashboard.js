// The dashboard: crm_mon, live. Each status from the stream replaces the tables; nothing is polled, nothing reloads.
import { header, followStatus, $ } from './common.js';
import { summary, nodesTable, resourcesTable, failedTable, fencingTable } from './status.js';

header('/');
followStatus(view => {
  $('#summary-slot').replaceChildren(summary(view));
  $('#nodes-slot').replaceChildren(nodesTable(view, { commands: true }));
  $('#resources-slot').replaceChildren(resourcesTable(view));
  $('#failed-slot').replaceChildren(failedTable(view, { commands: true }));
  $('#fencing-slot').replaceChildren(fencingTable(view));
});
