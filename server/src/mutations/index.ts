/** Every mutator, by mutation name. */
import { updateBranchProduct } from './branch-product.ts';
import { requestCheck } from './check.ts';
import { deleteKnowledge, upsertKnowledge } from './knowledge.ts';
import { recordPayment } from './payment.ts';
import { updateProduct } from './product.ts';
import { cancelRound, confirmRound, markRoundReady, markRoundServed, submitRound } from './round.ts';
import { ackServiceCall, createServiceCall } from './service-call.ts';
import { openSession } from './session.ts';
import { clearTable } from './table.ts';
import { rotateTableQr } from './table-qr.ts';
import type { MutatorTable } from './types.ts';

export const mutators: MutatorTable = {
  'session.open': openSession,
  'round.submit': submitRound,
  'round.confirm': confirmRound,
  'round.ready': markRoundReady,
  'round.served': markRoundServed,
  'round.cancel': cancelRound,
  'serviceCall.create': createServiceCall,
  'serviceCall.ack': ackServiceCall,
  'check.request': requestCheck,
  'payment.record': recordPayment,
  'table.clear': clearTable,
  'product.update': updateProduct,
  'branchProduct.update': updateBranchProduct,
  'knowledge.upsert': upsertKnowledge,
  'knowledge.delete': deleteKnowledge,
  'table.rotateQr': rotateTableQr,
};
