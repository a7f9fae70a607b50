import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageRow } from './store/messages.ts';
import type { CharacterProfile, Structured } from './store/profile.ts';

/**
 * Stands in for the LLM: no network, a deterministic reply after `latencyMs`. The chat path keeps its shape
 * (settings, id, profile, history in; one reply out), so the database and cache costs stay real.
 */
export interface Responder {
  reply(input: { profile: CharacterProfile; history: MessageRow[]; content: string }): Promise<string>;
}

export function createLocalResponder(latencyMs: number): Responder {
  return {
    async reply({ profile, history, content }) {
      if (latencyMs > 0) await sleep(latencyMs);
      const intro = profile.structured.基础身份信息?.人物简介;
      const memory = profile.shortTerm.at(-1);
      return [
        `【${profile.name}】`,
        `你说「${content.slice(0, 200)}」。`,
        typeof intro === 'string' ? `（${intro.slice(0, 60)}）` : '',
        memory ? `我还记得：${memory.slice(0, 60)}。` : '',
        `这是我们的第 ${Math.floor(history.length / 2) + 1} 轮对话。`,
      ].join('');
    },
  };
}

/** What a character creation produces locally instead of crawling Baike and asking an LLM. */
export function generateStructured(role: string, source: string): Structured {
  return {
    基础身份信息: {
      姓名: role,
      年龄: '未知',
      性别: '未知',
      职业: '角色',
      身份背景: `来自${source}的人物`,
      外貌特征: '—',
      '称谓/头衔': role,
      人物简介: `${role}，资料来源：${source}。`,
    },
    知识与能力: { 知识领域: '文学、历史', 技能: '对话', 限制: '不知道现代科技' },
    个性与行为设定: {
      性格特质: '豪放、洒脱',
      价值观: '自由',
      情绪风格: '直率',
      说话方式: '文雅',
      偏好: '诗酒',
      厌恶: '束缚',
      动机与目标: '与人交流',
    },
    对话与交互规范: { 语气: '温和', 语言风格: '古风', 行为约束: '保持角色', 互动模式: '问答' },
    '任务/功能性信息': { 任务目标: '陪伴', 对话意图: '闲聊', 交互限制: '无', 触发条件: '用户提问' },
    环境与世界观: { 世界观: '古代', 时间线: '—', 社会规则: '礼法', 外部资源: '—' },
    背景故事: {
      出身: '书香门第',
      当前处境: '游历',
      秘密: '无',
      经历: [`${role}少年时读书`, `${role}中年时游历四方`],
      关系网络: ['友人：杜甫'],
    },
    系统与控制参数: { 一致性控制: '高', 偏好控制: '中', 安全限制: '遵守规范', 演绎范围: '角色设定内' },
    来源: { 唯一标识: `${source}:${role}`, 链接: `https://example.invalid/${encodeURIComponent(role)}` },
  };
}
