import * as z from 'zod';
import { PREDICTION_PROTOCOLS } from '../../predict/prediction.js';

/** Options of `predict`, as commander hands them over. */
export const PredictOptionsSchema = z.object({
  data: z.string().optional(),
  file: z.string().min(1, 'expected a file path, or - for stdin').optional(),
  protocol: z.enum(PREDICTION_PROTOCOLS as [string, ...string[]], { error: `expected one of ${PREDICTION_PROTOCOLS.join(', ')}` }).optional(),
  model: z.string().min(1, 'expected a model name').optional(),
  timeout: z.coerce.number({ error: 'expected a number of seconds' }).finite().positive('expected more than 0 seconds').default(60),
  deployer: z.string().min(1).optional(),
});
