import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Public } from '../auth/access.decorators';

/**
 * Scripts for the staff pages. Chart.js comes from the installed package
 * (never a CDN); Vigil's own page scripts are plain files in src/web/assets,
 * so there is no front-end build; `npm run build` copies them beside the compiled code.
 */
const OWN_ASSETS = join(__dirname, 'assets');
const PACKAGED: Record<string, string> = {
  // The package's exports map hides dist/; its main entry sits beside the UMD build.
  'chart.umd.js': join(dirname(require.resolve('chart.js')), 'chart.umd.js'),
};

@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  @Get(':name')
  @Public()
  serve(@Param('name') name: string, @Res() res: Response): void {
    const file =
      PACKAGED[name] ?? (/^[a-z0-9-]+\.js$/.test(name) ? join(OWN_ASSETS, name) : undefined);
    if (!file || !existsSync(file)) throw new NotFoundException(`No asset named ${name}`);
    res.set('Cache-Control', 'public, max-age=3600');
    res.type('application/javascript').sendFile(file);
  }
}
